package org.nifiltx.core.pipeline;

/** How the Euler step and the transformer's timesteps treat conditioned tokens. */
public enum StepRule {
    /** diffusers LTXPipeline: one timestep for every token, every token steps. */
    GLOBAL,
    /** diffusers LTXImageToVideoPipeline: conditioned tokens get timestep t·(1 − mask) and are left out of the step. */
    EXCLUDE_CONDITIONED,
    /**
     * Official pipeline and diffusers LTXConditionPipeline: per-token timestep min(t, 1 − mask); each token steps to the
     * next schedule value below its own timestep, so hard-conditioned tokens (timestep 0) never move.
     */
    PER_TOKEN
}
