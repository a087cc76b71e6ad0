package org.nifiltx.core.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.schedule.FlowMatchEulerScheduler;
import org.nifiltx.core.schedule.Guidance;
import org.nifiltx.core.schedule.RectifiedFlowScheduler;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The sampling loop, written once against the transformer runner: per step one batched call holding the
 * unconditional (CFG), conditional and STG-perturbed entries that are active, then guidance, then the Euler step.
 */
public final class Denoiser {
    private final ComponentRunner transformer;
    private final int numLayers;

    public Denoiser(final ComponentRunner transformer, final int numLayers) {
        this.transformer = transformer;
        this.numLayers = numLayers;
    }

    /**
     * Runs {@code pass} with {@code settings} (pass {@code passNumber}, 1-based, names the stochastic noise draws); returns
     * the packed latents after the last step. {@code onStep}, when not null, sees a copy of the latents after every step
     * (parity tests compare them with the reference's); a generation keeps no history otherwise. The guidance of each
     * step comes from the settings' schedule at the step's flow time, so the batch (uncond, cond, perturbed) can change
     * from step to step.
     */
    public float[] run(final DenoisePass pass, final PromptEmbeddings positive, final PromptEmbeddings negative,
            final GenerationRequest request, final PassSettings settings, final int passNumber, final NoiseSource noise,
            final ImageNoise imageNoise, final ProgressListener progress, final String stage, final Consumer<float[]> onStep) {
        final int tokens = pass.tokens();
        final int channels = pass.latents().length / tokens;
        final float[] conditioned = pass.conditioningMask();
        final float[] initial = pass.latents().clone();
        float[] latents = pass.latents().clone();
        final float[] sigmas = pass.sigmas();
        final Map<Integer, Tensor[]> batchedInputs = new HashMap<>();
        progress.stageStarted(stage, sigmas.length);
        for (int step = 0; step < sigmas.length; step++) {
            if (progress.cancelled()) {
                throw new LtxException(LtxErrorCode.CANCELLED, stage + " stopped before step " + (step + 1) + " of " + sigmas.length);
            }
            final float t = sigmas[step];
            final float next = step + 1 < sigmas.length ? sigmas[step + 1] : 0f;
            final GuidanceSchedule.Step guidance = settings.guidance().at(t);
            final boolean cfg = guidance.classifierFree();
            final boolean stg = guidance.spatioTemporal();
            if (cfg && negative == null) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "guidance scale " + guidance.guidanceScale()
                        + " needs a negative prompt");
            }
            final int batch = 1 + (cfg ? 1 : 0) + (stg ? 1 : 0);
            if (imageNoise != null && conditioned != null) {
                latents = imageNoise.apply(latents, initial, conditioned, t, step);
            }
            final float[] tokenTimesteps = tokenTimesteps(pass.rule(), conditioned, t, tokens);
            final Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("hidden_states", Tensor.ofFloats(new long[] {batch, tokens, channels}, repeat(latents, batch)));
            // The batched text and positions depend only on which entries are active: build each combination once.
            final Tensor[] batched = batchedInputs.computeIfAbsent(batch * 2 + (cfg ? 1 : 0), key -> new Tensor[] {
                stack(cfg ? negative.embeddings() : null, positive.embeddings(), stg ? positive.embeddings() : null),
                stack(cfg ? negative.attentionMask() : null, positive.attentionMask(), stg ? positive.attentionMask() : null),
                repeat(pass.videoCoords(), batch)});
            inputs.put("encoder_hidden_states", batched[0]);
            inputs.put("encoder_attention_mask", batched[1]);
            // Without a conditioning mask every token's timestep is t: one per batch entry gives the same modulation
            // (it broadcasts over the tokens), where [B,T] makes each block's scale/shift/gate [B,T,6,D], 0.3 GB a
            // block for 2B at 768x512x121, computed and held per token for nothing (before the transformer's blocks
            // waited for their input, ONNX Runtime held all 28 at once: 16.2 GB instead of 8.0 GB while denoising).
            inputs.put("timestep", conditioned == null ? Tensor.ofFloats(new long[] {batch}, filled(batch, t))
                    : Tensor.ofFloats(new long[] {batch, tokens}, repeat(tokenTimesteps, batch)));
            inputs.put("video_coords", batched[2]);
            if (stg) {
                inputs.put("skip_layer_mask", skipLayerMask(batch, guidance.stgBlocks()));
            }
            final float[] prediction = transformer.run(TensorBundle.of(inputs)).get("out").toFloatArray();
            final int size = latents.length;
            int entry = 0;
            final float[] uncond = cfg ? Arrays.copyOfRange(prediction, size * entry++, size * entry) : null;
            final float[] cond = Arrays.copyOfRange(prediction, size * entry++, size * entry);
            final float[] perturbed = stg ? Arrays.copyOfRange(prediction, size * entry++, size * entry) : null;
            final float[] velocity = guide(uncond, cond, perturbed, request.compat(), guidance, settings.cfgStar());
            final float[] stepNoise = settings.stochastic()
                    ? noise.draw(NoiseSource.stochasticNoise(passNumber, step), new long[] {1, tokens, channels}).toFloatArray()
                    : null;
            latents = step(pass.rule(), latents, velocity, t, next, sigmas, tokenTimesteps, conditioned, stepNoise);
            if (onStep != null) {
                onStep.accept(latents.clone());
            }
            progress.stepDone(stage, step + 1, sigmas.length);
        }
        return latents;
    }

    private static float[] guide(final float[] uncond, final float[] cond, final float[] perturbed, final Compat compat,
            final GuidanceSchedule.Step guidance, final boolean cfgStar) {
        if (compat == Compat.DIFFUSERS && perturbed == null) {
            final float[] unconditional = uncond != null && cfgStar ? Guidance.cfgStarRescale(uncond, cond, 1) : uncond;
            float[] guided = unconditional == null ? cond : Guidance.classifierFree(unconditional, cond, guidance.guidanceScale());
            if (uncond != null && guidance.rescale() > 0) {
                guided = Guidance.guidanceRescale(guided, cond, 1, guidance.rescale());
            }
            return guided;
        }
        return Guidance.original(uncond, cond, perturbed, 1, guidance.guidanceScale(), guidance.stgScale(), guidance.rescale(), cfgStar);
    }

    /** The timestep each token is given, or null when one timestep per batch entry suffices. */
    private static float[] tokenTimesteps(final StepRule rule, final float[] mask, final float t, final int tokens) {
        if (rule == StepRule.GLOBAL && mask == null) {
            return null;
        }
        final float[] out = new float[tokens];
        for (int n = 0; n < tokens; n++) {
            final float m = mask == null ? 0f : mask[n];
            out[n] = rule == StepRule.EXCLUDE_CONDITIONED ? t * (1f - m) : Math.min(t, 1f - m);
        }
        return out;
    }

    /** The Euler step, or with {@code noise} the stochastic step that re-noises the predicted clean latents to {@code next}. */
    private static float[] step(final StepRule rule, final float[] latents, final float[] velocity, final float t, final float next,
            final float[] sigmas, final float[] tokenTimesteps, final float[] mask, final float[] noise) {
        return switch (rule) {
            case GLOBAL -> noise == null ? FlowMatchEulerScheduler.step(latents, velocity, t, next)
                    : FlowMatchEulerScheduler.stepStochastic(latents, velocity, t, next, noise);
            case EXCLUDE_CONDITIONED -> {
                final float[] stepped = noise == null ? FlowMatchEulerScheduler.step(latents, velocity, t, next)
                        : FlowMatchEulerScheduler.stepStochastic(latents, velocity, t, next, noise);
                final int channels = latents.length / mask.length;
                for (int n = 0; n < mask.length; n++) {
                    if (mask[n] >= 1f) {
                        System.arraycopy(latents, n * channels, stepped, n * channels, channels);
                    }
                }
                yield stepped;
            }
            case PER_TOKEN -> keepNotYetDenoised(noise == null ? RectifiedFlowScheduler.stepPerToken(sigmas, latents, velocity,
                    tokenTimesteps) : RectifiedFlowScheduler.stepStochasticPerToken(sigmas, latents, velocity, tokenTimesteps, noise),
                    latents, mask, t);
        };
    }

    /**
     * Official {@code denoising_step}: a token with strength s only starts moving once {@code t - 1e-6 < 1 - s}; before
     * that it keeps its value (its per-token timestep 1 − s would otherwise step it early).
     */
    private static float[] keepNotYetDenoised(final float[] stepped, final float[] latents, final float[] mask, final float t) {
        if (mask == null) {
            return stepped;
        }
        final int channels = latents.length / mask.length;
        for (int n = 0; n < mask.length; n++) {
            if (!(t - 1e-6f < 1f - mask[n])) {
                System.arraycopy(latents, n * channels, stepped, n * channels, channels);
            }
        }
        return stepped;
    }

    /** [layers, batch]: 0 where the last (perturbed) entry skips a block's self-attention. */
    private Tensor skipLayerMask(final int batch, final List<Integer> blocks) {
        final float[] mask = filled(numLayers * batch, 1f);
        for (final int block : blocks) {
            if (block < 0 || block >= numLayers) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "STG block " + block + " does not exist; the transformer has blocks 0.."
                        + (numLayers - 1));
            }
            mask[block * batch + batch - 1] = 0f;
        }
        return Tensor.ofFloats(new long[] {numLayers, batch}, mask);
    }

    static float[] filled(final int n, final float value) {
        final float[] out = new float[n];
        Arrays.fill(out, value);
        return out;
    }

    static float[] repeat(final float[] values, final int times) {
        final float[] out = new float[values.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(values, 0, out, i * values.length, values.length);
        }
        return out;
    }

    private static Tensor repeat(final Tensor tensor, final int times) {
        final long[] shape = tensor.shape();
        shape[0] *= times;
        return Tensor.ofFloats(shape, repeat(tensor.toFloatArray(), times));
    }

    /** Concatenates the present [1, ...] tensors along the batch axis, keeping float or int64 element type. */
    private static Tensor stack(final Tensor first, final Tensor second, final Tensor third) {
        final List<Tensor> parts = new ArrayList<>();
        for (final Tensor t : new Tensor[] {first, second, third}) {
            if (t != null) {
                parts.add(t);
            }
        }
        final long[] shape = parts.get(0).shape();
        shape[0] = 0;
        for (final Tensor t : parts) {
            shape[0] += t.dim(0);
        }
        if (!parts.get(0).dtype().isFloatingPoint()) {
            final long[] out = new long[Math.toIntExact(Tensor.numel(shape))];
            int at = 0;
            for (final Tensor t : parts) {
                final long[] v = t.toLongArray();
                System.arraycopy(v, 0, out, at, v.length);
                at += v.length;
            }
            return Tensor.ofLongs(shape, out);
        }
        final float[] out = new float[Math.toIntExact(Tensor.numel(shape))];
        int at = 0;
        for (final Tensor t : parts) {
            final float[] v = t.toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return Tensor.ofFloats(shape, out);
    }
}
