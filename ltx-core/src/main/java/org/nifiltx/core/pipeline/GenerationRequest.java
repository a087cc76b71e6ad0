package org.nifiltx.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * Everything one generation needs besides the model. Build with {@link #builder()}; {@link #validate(int, int)}
 * checks it against the VAE's compression before any model work.
 *
 * @param image               uint8 RGB [H, W, 3] for image-to-video (a frame-0 condition of strength 1), or null
 * @param timesteps           explicit flow times of the (first) pass, or null to use {@code steps} with the checkpoint's scheduler
 * @param secondPassTimesteps flow times of the multi-scale second pass (null: the 0.9.8 list [0.9094, 0.725, 0.4219])
 * @param stgBlocks           transformer blocks whose self-attention the STG-perturbed pass skips
 * @param rescale             official: STG rescaling scale; diffusers: guidance_rescale φ
 * @param imageCondNoiseScale official image-to-video: noise added to conditioning tokens each step (σ·ε·t²)
 * @param multiScale          two passes with the latent upsampler between them
 * @param conditions          images or clips at pixel frames with strengths (keyframes, video extension); {@code image}
 *                            is a shortcut for a frame-0 condition of strength 1 placed before them
 * @param firstPass           settings of the (first) pass, or null to take them from the scalar fields above (steps,
 *                            timesteps, constant guidance)
 * @param secondPass          settings of the multi-scale second pass, or null for {@code secondPassTimesteps} with the
 *                            same constant guidance
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        Tensor image,
        int numFrames,
        int height,
        int width,
        int steps,
        List<Double> timesteps,
        List<Double> secondPassTimesteps,
        double guidanceScale,
        double stgScale,
        List<Integer> stgBlocks,
        double rescale,
        double frameRate,
        double decodeTimestep,
        double decodeNoiseScale,
        double imageCondNoiseScale,
        int maxLength,
        Compat compat,
        boolean multiScale,
        double downscaleFactor,
        List<Condition> conditions,
        PassSettings firstPass,
        PassSettings secondPass) {

    /** The official inference script's default negative prompt. */
    public static final String DEFAULT_NEGATIVE_PROMPT = "worst quality, inconsistent motion, blurry, jittery, distorted";
    /** The 0.9.8 distilled schedules (configs ltxv-*-0.9.8-distilled.yaml). */
    public static final List<Double> DISTILLED_FIRST_PASS = List.of(1.0, 0.9937, 0.9875, 0.9812, 0.975, 0.9094, 0.725);
    public static final List<Double> DISTILLED_SECOND_PASS = List.of(0.9094, 0.725, 0.4219);

    public GenerationRequest {
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }

    /**
     * The settings of pass 1 (the only pass of a single-scale request) or 2 (the multi-scale second pass), with the scalar
     * fields filled in where the request has none.
     */
    public PassSettings pass(final int number) {
        final GuidanceSchedule constant = GuidanceSchedule.constant(guidanceScale, stgScale, rescale, stgBlocks);
        if (number == 1) {
            return firstPass != null ? firstPass : PassSettings.of(steps, timesteps, constant);
        }
        if (secondPass != null) {
            return secondPass;
        }
        final List<Double> second = secondPassTimesteps == null ? DISTILLED_SECOND_PASS : secondPassTimesteps;
        return PassSettings.of(second.size(), second, constant);
    }

    /** The passes this request runs, in order. */
    public List<PassSettings> passes() {
        return multiScale ? List.of(pass(1), pass(2)) : List.of(pass(1));
    }

    /** The tone map of the pass whose output is decoded (official: applied before decoding, after decode noise). */
    public double decodeToneMap() {
        return pass(multiScale ? 2 : 1).toneMap();
    }

    /** Whether anything conditions the generation (the image shortcut or conditions). */
    public boolean imageToVideo() {
        return image != null || !conditions.isEmpty();
    }

    /** Every conditioning item in application order: the {@code image} shortcut first, then {@code conditions}. */
    public List<Condition> conditionItems() {
        if (image == null) {
            return conditions;
        }
        final List<Condition> items = new ArrayList<>();
        items.add(Condition.firstFrame(image));
        items.addAll(conditions);
        return List.copyOf(items);
    }

    /** True when every item is one image at frame 0 with strength 1: what diffusers' image-to-video pipeline covers. */
    boolean firstFrameImagesOnly() {
        return conditionItems().stream().allMatch(c -> c.frameIndex() == 0 && c.mediaFrames() == 1 && c.strength() == 1.0);
    }

    /** The same request for another prompt (stages that carry the prompt in their data rather than in settings). */
    public GenerationRequest withPrompt(final String newPrompt) {
        return new GenerationRequest(newPrompt, negativePrompt, image, numFrames, height, width, steps, timesteps, secondPassTimesteps,
                guidanceScale, stgScale, stgBlocks, rescale, frameRate, decodeTimestep, decodeNoiseScale, imageCondNoiseScale, maxLength,
                compat, multiScale, downscaleFactor, conditions, firstPass, secondPass);
    }

    /** The same request conditioned on other media (stages that carry the image in their data rather than in settings). */
    public GenerationRequest withConditioning(final Tensor newImage, final List<Condition> newConditions) {
        return new GenerationRequest(prompt, negativePrompt, newImage, numFrames, height, width, steps, timesteps, secondPassTimesteps,
                guidanceScale, stgScale, stgBlocks, rescale, frameRate, decodeTimestep, decodeNoiseScale, imageCondNoiseScale, maxLength,
                compat, multiScale, downscaleFactor, newConditions, firstPass, secondPass);
    }

    /** The same request over another frame count and rate (a pass at half the frame rate before a temporal upsampler). */
    public GenerationRequest withTiming(final int newNumFrames, final double newFrameRate) {
        return new GenerationRequest(prompt, negativePrompt, image, newNumFrames, height, width, steps, timesteps, secondPassTimesteps,
                guidanceScale, stgScale, stgBlocks, rescale, newFrameRate, decodeTimestep, decodeNoiseScale, imageCondNoiseScale,
                maxLength, compat, multiScale, downscaleFactor, conditions, firstPass, secondPass);
    }

    /** Whether any step of any pass uses CFG: the negative prompt is then encoded. */
    public boolean classifierFreeGuidance() {
        return passes().stream().anyMatch(pass -> pass.guidance().anyClassifierFree());
    }

    /** Whether any step of any pass uses STG. */
    public boolean spatioTemporalGuidance() {
        return passes().stream().anyMatch(pass -> pass.guidance().anySpatioTemporal());
    }

    /** What the prompt-encoding stage needs of this request. */
    public PromptSpec promptSpec() {
        return new PromptSpec(prompt, negativePrompt, classifierFreeGuidance(), maxLength, compat);
    }

    /** What the decoding stage needs of this request (the tone map of the pass that is decoded). */
    public DecodeSpec decodeSpec() {
        return new DecodeSpec(numFrames, height, width, frameRate, compat, decodeToneMap(), decodeTimestep, decodeNoiseScale);
    }

    /**
     * Checks the sampling stage's sizes and values against the VAE's compression factors; every problem is an
     * INVALID_ARGUMENT. The prompt is {@link PromptSpec#validate() the encoding stage's} to check: a stage that samples
     * from prompts encoded earlier has none.
     */
    public void validate(final int spatialCompression, final int temporalCompression) {
        DecodeSpec.checkSizes(numFrames, height, width, multiScale ? spatialCompression * 2 : spatialCompression,
                spatialCompression, temporalCompression);
        if (timesteps == null && steps < 1) {
            throw invalid("steps must be at least 1, got " + steps);
        }
        if (!(guidanceScale >= 0) || !Double.isFinite(guidanceScale)) {
            throw invalid("guidance-scale must be a finite number >= 0, got " + guidanceScale);
        }
        if (!(stgScale >= 0) || !Double.isFinite(stgScale)) {
            throw invalid("stg-scale must be a finite number >= 0, got " + stgScale);
        }
        DecodeSpec.checkDecoding(frameRate, decodeTimestep, decodeNoiseScale);
        if (image != null && (image.dtype() != DType.U8 || image.rank() != 3 || image.dim(2) != 3)) {
            throw invalid("the conditioning image must be uint8 RGB [H, W, 3], got " + image);
        }
        for (int i = 0; i < conditions.size(); i++) {
            conditions.get(i).validate(i + 1, numFrames, temporalCompression);
        }
        if (multiScale && !(downscaleFactor > 0 && downscaleFactor <= 1)) {
            throw invalid("downscale factor must lie in (0, 1], got " + downscaleFactor);
        }
        pass(1).validate(multiScale ? "first pass: " : "", false);
        if (multiScale) {
            pass(2).validate("second pass: ", true);
        }
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults are {@link Defaults}' (guidance off, {@link Defaults#STEPS} scheduler steps unless timesteps are given);
     * the rescale and the token length, when not given, are those of the compat chosen.
     */
    public static final class Builder {
        private String prompt;
        private String negativePrompt = Defaults.NEGATIVE_PROMPT;
        private Tensor image;
        private int numFrames = Defaults.NUM_FRAMES;
        private int height = Defaults.HEIGHT;
        private int width = Defaults.WIDTH;
        private int steps = Defaults.STEPS;
        private List<Double> timesteps;
        private List<Double> secondPassTimesteps;
        private double guidanceScale = Defaults.GUIDANCE_SCALE;
        private double stgScale = Defaults.STG_SCALE;
        private List<Integer> stgBlocks = List.of();
        private Double rescale;
        private double frameRate = Defaults.FRAME_RATE;
        private double decodeTimestep = Defaults.DECODE_TIMESTEP;
        private double decodeNoiseScale = Defaults.DECODE_NOISE_SCALE;
        private double imageCondNoiseScale = Defaults.IMAGE_COND_NOISE_SCALE;
        private Integer maxLength;
        private Compat compat = Defaults.COMPAT;
        private boolean multiScale;
        private double downscaleFactor = Defaults.DOWNSCALE_FACTOR;
        private List<Condition> conditions = List.of();
        private PassSettings firstPass;
        private PassSettings secondPass;

        public Builder prompt(final String value) {
            prompt = value;
            return this;
        }

        public Builder negativePrompt(final String value) {
            negativePrompt = value;
            return this;
        }

        /** Image-to-video: shortcut for a frame-0 {@link Condition} of strength 1, applied before {@link #conditions}. */
        public Builder image(final Tensor value) {
            image = value;
            return this;
        }

        public Builder numFrames(final int value) {
            numFrames = value;
            return this;
        }

        public Builder height(final int value) {
            height = value;
            return this;
        }

        public Builder width(final int value) {
            width = value;
            return this;
        }

        public Builder steps(final int value) {
            steps = value;
            return this;
        }

        public Builder timesteps(final List<Double> value) {
            timesteps = value == null ? null : List.copyOf(value);
            return this;
        }

        public Builder secondPassTimesteps(final List<Double> value) {
            secondPassTimesteps = value == null ? null : List.copyOf(value);
            return this;
        }

        public Builder guidanceScale(final double value) {
            guidanceScale = value;
            return this;
        }

        public Builder stgScale(final double value) {
            stgScale = value;
            return this;
        }

        public Builder stgBlocks(final List<Integer> value) {
            stgBlocks = List.copyOf(value);
            return this;
        }

        public Builder rescale(final double value) {
            rescale = value;
            return this;
        }

        public Builder frameRate(final double value) {
            frameRate = value;
            return this;
        }

        public Builder decodeTimestep(final double value) {
            decodeTimestep = value;
            return this;
        }

        public Builder decodeNoiseScale(final double value) {
            decodeNoiseScale = value;
            return this;
        }

        public Builder imageCondNoiseScale(final double value) {
            imageCondNoiseScale = value;
            return this;
        }

        public Builder maxLength(final int value) {
            maxLength = value;
            return this;
        }

        public Builder compat(final Compat value) {
            compat = value;
            return this;
        }

        public Builder multiScale(final boolean value) {
            multiScale = value;
            return this;
        }

        public Builder downscaleFactor(final double value) {
            downscaleFactor = value;
            return this;
        }

        /** Keyframes, clips and video extension (official {@code conditioning_items}), applied in list order. */
        public Builder conditions(final List<Condition> value) {
            conditions = List.copyOf(value);
            return this;
        }

        /** Settings of the (first) pass; replaces steps, timesteps and the scalar guidance fields for it. */
        public Builder firstPass(final PassSettings value) {
            firstPass = value;
            return this;
        }

        /** Settings of the multi-scale second pass; replaces secondPassTimesteps and the scalar guidance fields for it. */
        public Builder secondPass(final PassSettings value) {
            secondPass = value;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(prompt, negativePrompt, image, numFrames, height, width, steps, timesteps,
                    secondPassTimesteps, guidanceScale, stgScale, stgBlocks, rescale != null ? rescale : Defaults.rescale(compat),
                    frameRate, decodeTimestep, decodeNoiseScale, imageCondNoiseScale,
                    maxLength != null ? maxLength : Defaults.maxLength(compat), compat, multiScale, downscaleFactor, conditions, firstPass,
                    secondPass);
        }
    }
}
