package org.nifiltx.core.pipeline;

import java.util.List;

/**
 * The request defaults every front end shares (the CLI's options, the NiFi processors' properties): they suit the model
 * the README recommends, ltxv-2b-0.9.8-distilled, run single-scale with its 7 distilled flow times and no guidance.
 * {@link GenerationRequest.Builder}'s own defaults follow the official inference configs instead and are not these.
 */
public final class Defaults {
    /** Frames of the video (8N+1): about 5 s at {@link #FRAME_RATE}. */
    public static final int NUM_FRAMES = 121;
    public static final int HEIGHT = 512;
    public static final int WIDTH = 768;
    public static final double FRAME_RATE = 25;
    /** The first-pass flow times of the 0.9.8 distilled configs. */
    public static final List<Double> TIMESTEPS = GenerationRequest.DISTILLED_FIRST_PASS;
    /** The multi-scale second-pass flow times of the 0.9.8 distilled configs. */
    public static final List<Double> SECOND_PASS_TIMESTEPS = GenerationRequest.DISTILLED_SECOND_PASS;
    /** Scheduler steps where a step count, not explicit timesteps, is asked for (the official dev configs' 30). */
    public static final int STEPS = 30;
    /** Classifier-free guidance off: the distilled models are trained without it. */
    public static final double GUIDANCE_SCALE = 1.0;
    /** Spatio-temporal guidance off. */
    public static final double STG_SCALE = 0.0;
    public static final double RESCALE = 0.7;
    public static final double DECODE_TIMESTEP = 0.05;
    public static final double DECODE_NOISE_SCALE = 0.025;
    public static final int MAX_LENGTH = 256;
    public static final String NEGATIVE_PROMPT = GenerationRequest.DEFAULT_NEGATIVE_PROMPT;

    private Defaults() {
    }
}
