package org.nifiltx.core.pipeline;

import java.util.List;

/**
 * Every default of a request, in one place: the CLI's options, the NiFi processors' properties,
 * {@link GenerationRequest.Builder} and the absent keys of a {@link PipelineConfig} all read them from here.
 *
 * <p>The front-end defaults suit the model the README recommends, ltxv-2b-0.9.8-distilled, run single-scale with its 7
 * distilled flow times and no guidance. Where the two reference pipelines differ, the default follows the
 * {@link Compat} chosen, so that {@code --compat diffusers} with nothing else given is diffusers' pipeline called with
 * its own defaults ({@link #rescale}, {@link #maxLength}). A pipeline config is an official one: its absent keys take
 * the official {@code LTXVideoPipeline.__call__} defaults ({@link OfficialCall}).
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
    /** Official: the rescaling of the spatio-temporal guidance ({@code rescaling_scale}). */
    public static final double OFFICIAL_RESCALE = 0.7;
    /** Diffusers: {@code guidance_rescale} of {@code LTXPipeline.__call__}, off. */
    public static final double DIFFUSERS_RESCALE = 0.0;
    public static final double DECODE_TIMESTEP = 0.05;
    public static final double DECODE_NOISE_SCALE = 0.025;
    /** Official: the T5 token length of the inference script. */
    public static final int OFFICIAL_MAX_LENGTH = 256;
    /** Diffusers: {@code max_sequence_length} of {@code LTXPipeline.__call__}. */
    public static final int DIFFUSERS_MAX_LENGTH = 128;
    /** The official inference script's negative prompt. */
    public static final String NEGATIVE_PROMPT = GenerationRequest.DEFAULT_NEGATIVE_PROMPT;
    public static final Compat COMPAT = Compat.OFFICIAL;
    /** Official image-to-video: noise added to the conditioning tokens each step ({@code image_cond_noise_scale}). */
    public static final double IMAGE_COND_NOISE_SCALE = 0.15;
    /** Official multi-scale: the first pass's share of the size ({@code downscale_factor} of the 0.9.8 configs). */
    public static final double DOWNSCALE_FACTOR = 0.6666666;

    private Defaults() {
    }

    /** The rescale a request of {@code compat} has when none is given. */
    public static double rescale(final Compat compat) {
        return compat == Compat.DIFFUSERS ? DIFFUSERS_RESCALE : OFFICIAL_RESCALE;
    }

    /** The prompt token length a request of {@code compat} has when none is given. */
    public static int maxLength(final Compat compat) {
        return compat == Compat.DIFFUSERS ? DIFFUSERS_MAX_LENGTH : OFFICIAL_MAX_LENGTH;
    }

    /**
     * The official {@code LTXVideoPipeline.__call__} defaults: what the sampling keys a pipeline config leaves out
     * mean (the official pipeline applies its YAML over these).
     */
    public static final class OfficialCall {
        public static final int STEPS = 20;
        public static final double GUIDANCE_SCALE = 4.5;
        /** STG at 1.0, with no blocks to skip unless the config names them. */
        public static final double STG_SCALE = 1.0;
        public static final double RESCALE = OFFICIAL_RESCALE;
        public static final String SAMPLER = "from_checkpoint";
        public static final String STG_MODE = "attention_values";

        private OfficialCall() {
        }
    }
}
