package org.nifiltx.core.pipeline;

/**
 * Which reference pipeline's semantics a generation follows.
 *
 * <ul>
 * <li>{@link #OFFICIAL} (default): Lightricks' pipeline — T5 run with its attention mask, causal temporal RoPE
 * positions for 0.9.5+ models, per-token timesteps {@code min(t, 1 - mask)} for conditioned tokens, decode noise mixed
 * in normalised latent space, uint8 frames by truncation.</li>
 * <li>{@link #DIFFUSERS}: diffusers' {@code LTXPipeline} / {@code LTXImageToVideoPipeline} — T5 run without the mask,
 * grid positions, image tokens at timestep {@code t·(1 - mask)} and left out of the Euler step, decode noise mixed in
 * raw latent space, uint8 frames by rounding.</li>
 * </ul>
 */
public enum Compat {
    OFFICIAL,
    DIFFUSERS
}
