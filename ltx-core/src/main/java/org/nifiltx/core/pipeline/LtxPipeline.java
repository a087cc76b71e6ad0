package org.nifiltx.core.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.latent.LatentFilters;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.latent.LatentNormalization;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * Text-to-video, image-to-video and keyframe/clip conditioning, single- or multi-scale, in three stages that NiFi runs as three processors:
 * {@link #encodePrompts}, {@link #generateLatents}, {@link #decode}. {@link #generate} runs all three.
 */
public final class LtxPipeline {
    private final LtxModels models;
    private final TransformerConfig transformerConfig;
    private final VaeConfig vaeConfig;
    private final float[] latentsMean;
    private final float[] latentsStd;
    private final long memoryBudgetBytes;
    private final boolean recordStepLatents;

    /** A pipeline whose requests may use {@link MemoryBudget#defaultBytes()} (half the physical memory). */
    public LtxPipeline(final LtxModels models) {
        this(models, MemoryBudget.defaultBytes());
    }

    /** A pipeline that refuses requests whose largest tensors need more than {@code memoryBudgetBytes}. */
    public LtxPipeline(final LtxModels models, final long memoryBudgetBytes) {
        this(models, memoryBudgetBytes, false);
    }

    private LtxPipeline(final LtxModels models, final long memoryBudgetBytes, final boolean recordStepLatents) {
        this.models = models;
        this.recordStepLatents = recordStepLatents;
        this.memoryBudgetBytes = memoryBudgetBytes;
        this.transformerConfig = models.checkpoint().transformerConfig();
        this.vaeConfig = models.checkpoint().vaeConfig();
        this.latentsMean = models.checkpoint().vaeWeights().get("per_channel_statistics.mean-of-means").toFloatArray();
        this.latentsStd = models.checkpoint().vaeWeights().get("per_channel_statistics.std-of-means").toFloatArray();
    }

    /**
     * This pipeline, but its results carry the latents after every step ({@link GenerationResult#stepLatents}), as
     * parity tests compare them; a pipeline keeps no per-step history otherwise (30 steps of 768x512x121 are 190 MB).
     */
    public LtxPipeline recordingStepLatents() {
        return new LtxPipeline(models, memoryBudgetBytes, true);
    }

    /**
     * Checks a request for the sampling stage against this model and the memory budget before any work (its prompt is
     * the encoding stage's to check: {@link PromptSpec#validate()}).
     */
    public void validate(final GenerationRequest request) {
        checkSampling(request, transformerConfig, vaeConfig, memoryBudgetBytes);
        TemporalUpsampling.validate(request, models.upsamplerModel().orElse(null), vaeConfig.temporalCompression());
    }

    /** Checks a spec for the decoding stage alone: sizes, and the decode's memory (latents that exist already). */
    public void validateDecode(final DecodeSpec spec) {
        spec.validate(vaeConfig.spatialCompression(), vaeConfig.temporalCompression());
        MemoryEstimate.ofDecoding(spec, transformerConfig, vaeConfig).requireDecodingWithin(memoryBudgetBytes);
    }

    /**
     * The checks of a whole generation without a pipeline, for callers that have the configs before any model loads:
     * the prompt, sizes and values against the VAE's factors, then the memory the largest tensors need against
     * {@code memoryBudgetBytes} (see {@link MemoryEstimate}).
     */
    public static void check(final GenerationRequest request, final TransformerConfig transformer, final VaeConfig vae,
            final long memoryBudgetBytes) {
        request.promptSpec().validate();
        checkSampling(request, transformer, vae, memoryBudgetBytes);
    }

    private static void checkSampling(final GenerationRequest request, final TransformerConfig transformer, final VaeConfig vae,
            final long memoryBudgetBytes) {
        request.validate(vae.spatialCompression(), vae.temporalCompression());
        MemoryEstimate.of(request, transformer, vae).requireWithin(memoryBudgetBytes);
    }

    /**
     * All three stages, one large component at a time when the memory budget requires it ({@link MemoryPlan}): the text
     * encoder is closed before the transformer opens (or, when both fit, before the VAE decoder opens), and the
     * transformer before the VAE decoder opens.
     */
    public GenerationResult generate(final GenerationRequest request, final NoiseSource noise, final ProgressListener progress) {
        request.promptSpec().validate();
        validate(request);
        final MemoryPlan plan = models.memoryPlan();
        final PromptPair prompts = encodePrompts(request.promptSpec(), progress);
        if (plan.releaseTextEncoderAfterEncoding()) {
            models.releaseTextEncoder();
        }
        // the VAE encoder (float32 in every precision) is released once the last pass's conditioning is encoded: it
        // would keep its weights through the denoising and the decode (2B at 768x512x121, image-to-video: 2.8 GB)
        final GenerationResult latents = generateLatents(request, prompts, noise, progress, true);
        final MemoryEstimate estimate = MemoryEstimate.of(request, transformerConfig, vaeConfig);
        final boolean releaseTransformer = plan.releaseTransformerBeforeDecoding(estimate);
        if (releaseTransformer) {
            models.releaseTransformer();
        }
        if (!plan.releaseTextEncoderAfterEncoding() && plan.releaseTextEncoderBeforeDecoding(estimate, !releaseTransformer)) {
            models.releaseTextEncoder();
        }
        return new GenerationResult(decode(latents.latents(), request.decodeSpec(), noise, progress), latents.latents(),
                latents.stepLatents(), latents.sigmas());
    }

    /** T5 on the prompt (and the negative prompt when CFG is on); official semantics run T5 with its mask. */
    public PromptPair encodePrompts(final PromptSpec spec, final ProgressListener progress) {
        spec.validate();
        final TextEncoderModel encoder = models.textEncoderModel().orElseThrow(() -> new org.nifiltx.core.error.LtxException(
                org.nifiltx.core.error.LtxErrorCode.INVALID_ARGUMENT, "no text encoder: give a diffusers folder with text_encoder/ "
                        + "or a T5 text encoder (folder or GGUF)"));
        final boolean useMask = spec.compat() == Compat.OFFICIAL;
        final boolean cfg = spec.classifierFree();
        progress.stageStarted("encode prompt", 1);
        final List<String> prompts = cfg ? List.of(spec.negativePrompt() == null ? "" : spec.negativePrompt(), spec.prompt())
                : List.of(spec.prompt());
        final PromptEmbeddings both = PromptEmbeddings.encode(encoder, models.textEncoder(useMask), prompts, spec.maxLength());
        progress.stepDone("encode prompt", 1, 1);
        if (!cfg) {
            return new PromptPair(both, null);
        }
        return new PromptPair(row(both, 1), row(both, 0));
    }

    private static PromptEmbeddings row(final PromptEmbeddings both, final int index) {
        return new PromptEmbeddings(Tensors.row(both.embeddings(), index), Tensors.row(both.attentionMask(), index));
    }

    /**
     * The denoising passes; returns final normalised latents [1, C, F, h, w] and every step's packed latents. The VAE
     * encoder of conditioning items stays open for the next request.
     */
    public GenerationResult generateLatents(final GenerationRequest request, final PromptPair prompts, final NoiseSource noise,
            final ProgressListener progress) {
        return generateLatents(request, prompts, noise, progress, false);
    }

    /**
     * @param releaseEncoder close the VAE encoder once the last pass's conditioning items are encoded, before that
     *                       pass denoises (a multi-scale request encodes them again at the second pass's size)
     */
    private GenerationResult generateLatents(final GenerationRequest request, final PromptPair prompts, final NoiseSource noise,
            final ProgressListener progress, final boolean releaseEncoder) {
        validate(request);
        final int spatial = vaeConfig.spatialCompression();
        final int temporal = vaeConfig.temporalCompression();
        final Denoiser denoiser = new Denoiser(models.transformer(), transformerConfig.numLayers());
        final List<Tensor> steps = new ArrayList<>();
        final List<float[]> sigmaLists = new ArrayList<>();
        if (!request.multiScale()) {
            final LatentGrid grid = LatentGrid.of(request.numFrames(), request.height(), request.width(), spatial, temporal);
            final float[] initial = noise.draw(NoiseSource.INITIAL_LATENTS, new long[] {1, grid.tokens(), transformerConfig.inChannels()})
                    .toFloatArray();
            final float[] latents = runPass(denoiser, request, prompts, noise, progress, grid, initial, 1,
                    Schedules.forPass(models.checkpoint(), request, request.pass(1), grid.tokens(), true), "denoise", steps, sigmaLists,
                    releaseEncoder);
            return new GenerationResult(null, LatentLayout.unpack(packed(latents, grid), grid.frames(), grid.height(), grid.width()),
                    steps, sigmaLists);
        }
        final LatentUpsamplerModel upsampler = models.requireUpsamplerModel();
        // a time-doubling upsampler: the first pass makes every other frame at half the rate (see TemporalUpsampling)
        final GenerationRequest firstRequest = TemporalUpsampling.applies(request, upsampler) ? TemporalUpsampling.firstPass(request)
                : request;
        // a temporal-only upsampler keeps the size: its first pass is not downscaled
        final double downscale = upsampler.spatialUpsample() ? request.downscaleFactor() : 1.0;
        final int firstHeight = reduced(request.height(), downscale, spatial);
        final int firstWidth = reduced(request.width(), downscale, spatial);
        final LatentGrid first = LatentGrid.of(firstRequest.numFrames(), firstHeight, firstWidth, spatial, temporal);
        final float[] initial = noise.draw(NoiseSource.INITIAL_LATENTS, new long[] {1, first.tokens(), transformerConfig.inChannels()})
                .toFloatArray();
        final float[] firstLatents = runPass(denoiser, firstRequest, prompts, noise, progress, first, initial, 1,
                Schedules.forPass(models.checkpoint(), request, request.pass(1), first.tokens(), true), "denoise pass 1", steps,
                sigmaLists, false);
        final Tensor firstUnpacked = LatentLayout.unpack(packed(firstLatents, first), first.frames(), first.height(), first.width());
        progress.stageStarted("upsample", 1);
        final Tensor upsampled = upsample(firstUnpacked);
        progress.stepDone("upsample", 1, 1);
        final int factor = upsampler.spatialFactor();
        final LatentGrid second = new LatentGrid(upsampler.outputFrames(first.frames()), first.height() * factor, first.width() * factor,
                firstHeight * factor, firstWidth * factor);
        // The second pass's default list is not checked against the allowed flow times, as before per-pass settings.
        final float[] secondSigmas = Schedules.forPass(models.checkpoint(), request, request.pass(2), second.tokens(),
                request.secondPass() != null);
        final float[] start = LatentLayout.pack(upsampled).toFloatArray();
        final float[] fresh = noise.draw("second_pass_noise", new long[] {1, second.tokens(), transformerConfig.inChannels()}).toFloatArray();
        final float t0 = secondSigmas[0];
        for (int i = 0; i < start.length; i++) {
            start[i] = t0 * fresh[i] + (1f - t0) * start[i];
        }
        final float[] secondLatents = runPass(denoiser, request, prompts, noise, progress, second, start, 2, secondSigmas,
                "denoise pass 2", steps, sigmaLists, releaseEncoder);
        return new GenerationResult(null, LatentLayout.unpack(packed(secondLatents, second), second.frames(), second.height(),
                second.width()), steps, sigmaLists);
    }

    private float[] runPass(final Denoiser denoiser, final GenerationRequest request, final PromptPair prompts, final NoiseSource noise,
            final ProgressListener progress, final LatentGrid grid, final float[] initial, final int passNumber, final float[] sigmas,
            final String stage,
            final List<Tensor> steps, final List<float[]> sigmaLists, final boolean releaseEncoder) {
        final boolean causal = request.compat() == Compat.OFFICIAL && causalPositions();
        final Conditioning.Applied conditioned = conditioning().apply(request, grid, initial, noise, causal);
        if (releaseEncoder) {
            models.releaseVaeEncoder();
        }
        final int extra = conditioned.extraTokens();
        final StepRule rule = request.compat() == Compat.OFFICIAL ? StepRule.PER_TOKEN
                : !request.imageToVideo() ? StepRule.GLOBAL
                : request.firstFrameImagesOnly() ? StepRule.EXCLUDE_CONDITIONED : StepRule.PER_TOKEN;
        final ImageNoise imageNoise = request.compat() == Compat.OFFICIAL ? new ImageNoise(noise, request.imageCondNoiseScale()) : null;
        // The extra conditioning tokens are dropped: step latents and the result cover the grid only.
        final int channels = initial.length / grid.tokens();
        final int skipped = extra * channels;
        final float[] last = denoiser.run(
                new DenoisePass(conditioned.latents(), grid.frames(), grid.height(), grid.width(), sigmas, rule, conditioned.mask(),
                        conditioned.coords(), extra),
                prompts.positive(), prompts.negative(), request, request.pass(passNumber), passNumber, noise, imageNoise, progress, stage,
                recordStepLatents ? step -> steps.add(packed(Arrays.copyOfRange(step, skipped, step.length), grid)) : null);
        sigmaLists.add(sigmas);
        return Arrays.copyOfRange(last, skipped, last.length);
    }

    private Conditioning conditioning() {
        return new Conditioning(models::vaeEncoder, latentsMean, latentsStd, vaeConfig.spatialCompression(),
                vaeConfig.temporalCompression());
    }

    /** Un-normalise, upsample (×2 in space and/or time), normalise, then AdaIN against the first pass (official multi-scale). */
    private Tensor upsample(final Tensor latents) {
        final Tensor raw = LatentNormalization.denormalize(latents, latentsMean, latentsStd);
        final Tensor up = models.upsampler().run(TensorBundle.of(Map.of("latents_raw", raw))).get("upsampled_raw");
        return LatentFilters.adain(LatentNormalization.normalize(up, latentsMean, latentsStd), latents);
    }

    /** Decode noise, VAE decode at {@code decode_timestep}, resize to the requested size, uint8 frames. */
    public Tensor decode(final Tensor latents, final DecodeSpec spec, final NoiseSource noise, final ProgressListener progress) {
        validateDecode(spec);
        progress.stageStarted("decode", 1);
        final Tensor frames = LatentDecoding.decode(models.vaeDecoder(), vaeConfig, latents, latentsMean, latentsStd, spec, noise);
        progress.stepDone("decode", 1, 1);
        return frames;
    }

    private boolean causalPositions() {
        return transformerConfig.causalTemporalPositioning().orElse(models.checkpoint().modelVersion().equals("0.9.5+"));
    }

    private static int reduced(final int size, final double factor, final int multiple) {
        final int scaled = (int) (size * factor);
        return Math.max(multiple, scaled - scaled % multiple);
    }

    private static Tensor packed(final float[] latents, final LatentGrid grid) {
        return Tensor.ofFloats(new long[] {1, grid.tokens(), latents.length / grid.tokens()}, latents);
    }
}
