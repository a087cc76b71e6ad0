package org.nifiltx.core.schedule;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Guidance combinations of velocity predictions, on flattened [batch, ...] float32 arrays. Element-wise arithmetic is
 * float32 in the reference's order (Python scalars rounded to float32); reductions (sums, standard deviations) are
 * accumulated in double and rounded to float32 once, which is what torch's CPU reductions approximate — they can
 * differ from torch by an ulp of the reduced value, nothing more.
 */
public final class Guidance {
    /** cfg-star's guard against a zero unconditional prediction. */
    private static final float CFG_STAR_EPSILON = 1e-8f;

    private Guidance() {
    }

    /** Classifier-free guidance {@code uncond + scale * (cond - uncond)}. */
    public static float[] classifierFree(final float[] uncond, final float[] cond, final double guidanceScale) {
        FlowMatchEulerScheduler.requireSameLength(uncond, cond);
        final float scale = (float) guidanceScale;
        final float[] guided = new float[uncond.length];
        for (int i = 0; i < guided.length; i++) {
            guided[i] = uncond[i] + scale * (cond[i] - uncond[i]);
        }
        return guided;
    }

    /**
     * diffusers' {@code rescale_noise_cfg}: per sample,
     * {@code phi * guided * (std(cond) / std(guided)) + (1 - phi) * guided}, std unbiased over all non-batch values.
     */
    public static float[] guidanceRescale(final float[] guided, final float[] cond, final int batch, final double guidanceRescale) {
        FlowMatchEulerScheduler.requireSameLength(guided, cond);
        final int perSample = perSample(guided, batch);
        final float phi = (float) guidanceRescale;
        final float complement = (float) (1.0 - guidanceRescale);
        final float[] rescaled = new float[guided.length];
        for (int b = 0; b < batch; b++) {
            final int offset = b * perSample;
            final float ratio = standardDeviation(cond, offset, perSample) / standardDeviation(guided, offset, perSample);
            for (int i = offset; i < offset + perSample; i++) {
                rescaled[i] = phi * (guided[i] * ratio) + complement * guided[i];
            }
        }
        return rescaled;
    }

    /** Spatio-temporal guidance term of the original pipeline: {@code guided + stgScale * (cond - perturbed)}. */
    public static float[] spatioTemporal(final float[] guided, final float[] cond, final float[] perturbed, final double stgScale) {
        FlowMatchEulerScheduler.requireSameLength(guided, cond);
        FlowMatchEulerScheduler.requireSameLength(guided, perturbed);
        final float scale = (float) stgScale;
        final float[] result = new float[guided.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = guided[i] + scale * (cond[i] - perturbed[i]);
        }
        return result;
    }

    /**
     * The original pipeline's STG rescaling: per sample {@code factor = r * std(cond)/std(guided) + (1 - r)},
     * {@code guided * factor} (std unbiased over all values of the sample). Applied only when STG is active and
     * {@code r != 1}; the caller decides that.
     */
    public static float[] stgRescale(final float[] guided, final float[] cond, final int batch, final double rescalingScale) {
        FlowMatchEulerScheduler.requireSameLength(guided, cond);
        final int perSample = perSample(guided, batch);
        final float r = (float) rescalingScale;
        final float complement = (float) (1.0 - rescalingScale);
        final float[] rescaled = new float[guided.length];
        for (int b = 0; b < batch; b++) {
            final int offset = b * perSample;
            final float ratio = standardDeviation(cond, offset, perSample) / standardDeviation(guided, offset, perSample);
            final float factor = r * ratio + complement;
            for (int i = offset; i < offset + perSample; i++) {
                rescaled[i] = guided[i] * factor;
            }
        }
        return rescaled;
    }

    /**
     * CFG-zero* rescale of the unconditional prediction: per sample
     * {@code alpha = <cond, uncond> / (|uncond|^2 + 1e-8)}, returns {@code alpha * uncond}.
     */
    public static float[] cfgStarRescale(final float[] uncond, final float[] cond, final int batch) {
        FlowMatchEulerScheduler.requireSameLength(uncond, cond);
        final int perSample = perSample(uncond, batch);
        final float[] rescaled = new float[uncond.length];
        for (int b = 0; b < batch; b++) {
            final int offset = b * perSample;
            double dot = 0.0;
            double squaredNorm = 0.0;
            for (int i = offset; i < offset + perSample; i++) {
                // torch rounds each product to float32 before summing
                dot += cond[i] * uncond[i];
                squaredNorm += uncond[i] * uncond[i];
            }
            final float alpha = (float) dot / ((float) squaredNorm + CFG_STAR_EPSILON);
            for (int i = offset; i < offset + perSample; i++) {
                rescaled[i] = alpha * uncond[i];
            }
        }
        return rescaled;
    }

    /**
     * The original pipeline's full combination for one step, in its order: optional cfg-star on the unconditional
     * prediction, CFG if {@code guidanceScale > 1} (else the conditional prediction), STG if {@code stgScale > 0}
     * followed by its rescaling if {@code rescalingScale != 1}.
     *
     * @param uncond null when CFG is off
     * @param perturbed null when STG is off
     */
    public static float[] original(final float[] uncond, final float[] cond, final float[] perturbed, final int batch,
            final double guidanceScale, final double stgScale, final double rescalingScale, final boolean cfgStar) {
        final boolean classifierFreeActive = guidanceScale > 1.0;
        final boolean spatioTemporalActive = stgScale > 0.0;
        if (classifierFreeActive && uncond == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "guidance scale " + guidanceScale
                    + " needs an unconditional prediction");
        }
        if (spatioTemporalActive && perturbed == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "STG scale " + stgScale + " needs a perturbed prediction");
        }
        float[] guided = cond.clone();
        if (classifierFreeActive) {
            final float[] unconditional = cfgStar ? cfgStarRescale(uncond, cond, batch) : uncond;
            guided = classifierFree(unconditional, cond, guidanceScale);
        }
        if (spatioTemporalActive) {
            guided = spatioTemporal(guided, cond, perturbed, stgScale);
            if (rescalingScale != 1.0) {
                guided = stgRescale(guided, cond, batch, rescalingScale);
            }
        }
        return guided;
    }

    /** Unbiased standard deviation of {@code count} values from {@code offset}, in double, rounded to float32. */
    static float standardDeviation(final float[] values, final int offset, final int count) {
        double sum = 0.0;
        for (int i = offset; i < offset + count; i++) {
            sum += values[i];
        }
        final double mean = sum / count;
        double squares = 0.0;
        for (int i = offset; i < offset + count; i++) {
            final double deviation = values[i] - mean;
            squares += deviation * deviation;
        }
        return (float) Math.sqrt(squares / (count - 1));
    }

    /** Mean of {@code count} values from {@code offset}, in double, rounded to float32. */
    static float mean(final float[] values, final int offset, final int count) {
        double sum = 0.0;
        for (int i = offset; i < offset + count; i++) {
            sum += values[i];
        }
        return (float) (sum / count);
    }

    private static int perSample(final float[] values, final int batch) {
        if (batch < 1 || values.length % batch != 0) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "a batch of " + batch + " does not divide " + values.length + " values");
        }
        final int perSample = values.length / batch;
        if (perSample < 2) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "a standard deviation needs at least 2 values per sample");
        }
        return perSample;
    }
}
