package org.nifiltx.core.latent;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/**
 * The multi-scale pipeline's latent filters (spec 7.3): AdaIN against the first-pass latents and the sigmoid tone
 * map before decoding. Statistics are accumulated in double and rounded to float32 once (torch's CPU
 * {@code std_mean} accumulates in double too); element-wise arithmetic is float32 in the reference's order.
 */
public final class LatentFilters {
    private LatentFilters() {
    }

    /** AdaIN with factor 1: every (batch, channel) slice takes the reference slice's mean and unbiased std. */
    public static Tensor adain(final Tensor latents, final Tensor reference) {
        return adain(latents, reference, 1.0);
    }

    /**
     * {@code lerp(x, (x - mean(x)) / std(x) * std(r) + mean(r), factor)} per batch and channel over F*H*W values
     * (orig {@code adain_filter_latent}); std is unbiased.
     */
    public static Tensor adain(final Tensor latents, final Tensor reference, final double factor) {
        final long[] shape = LatentLayout.requireRank(latents, 5, "latents");
        final long[] referenceShape = LatentLayout.requireRank(reference, 5, "reference latents");
        if (referenceShape[0] != shape[0] || referenceShape[1] != shape[1]) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "reference latents " + Tensor.shapeString(referenceShape)
                    + " must match the batch and channels of " + Tensor.shapeString(shape));
        }
        final int slices = (int) (shape[0] * shape[1]);
        final int count = (int) (shape[2] * shape[3] * shape[4]);
        final int referenceCount = (int) (referenceShape[2] * referenceShape[3] * referenceShape[4]);
        final float[] values = latents.toFloatArray();
        final float[] referenceValues = reference.toFloatArray();
        final float weight = (float) factor;
        final float[] result = new float[values.length];
        for (int slice = 0; slice < slices; slice++) {
            final float[] referenceStats = meanAndStd(referenceValues, slice * referenceCount, referenceCount);
            final float[] stats = meanAndStd(values, slice * count, count);
            for (int i = slice * count; i < (slice + 1) * count; i++) {
                final float filtered = (values[i] - stats[0]) / stats[1] * referenceStats[1] + referenceStats[0];
                result[i] = lerp(values[i], filtered, weight);
            }
        }
        return Tensor.ofFloats(shape, result);
    }

    /**
     * Sigmoid tone map with compression ratio in [0, 1]: {@code k = 0.75 * ratio},
     * {@code x * (1 - 0.8k * sigmoid(4k * (|x| - 1)))}; ratio 0 returns the input unchanged.
     */
    public static Tensor toneMap(final Tensor latents, final double ratio) {
        if (!(ratio >= 0.0 && ratio <= 1.0)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "tone map compression must lie in [0, 1], got " + ratio);
        }
        final double scaleFactor = ratio * 0.75;
        final float slope = (float) (4.0 * scaleFactor);
        final float depth = (float) (0.8 * scaleFactor);
        final float[] values = latents.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            final float argument = slope * (Math.abs(values[i]) - 1.0f);
            final float sigmoid = 1.0f / (1.0f + (float) Math.exp(-argument));
            values[i] = values[i] * (1.0f - depth * sigmoid);
        }
        return Tensor.ofFloats(latents.shape(), values);
    }

    /** torch.lerp's scalar formula, which switches ends at |weight| 0.5 to stay exact at weight 1. */
    private static float lerp(final float start, final float end, final float weight) {
        return Math.abs(weight) < 0.5f ? start + weight * (end - start) : end - (end - start) * (1.0f - weight);
    }

    private static float[] meanAndStd(final float[] values, final int offset, final int count) {
        if (count < 2) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "AdaIN needs at least 2 values per channel, got " + count);
        }
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
        return new float[] {(float) mean, (float) Math.sqrt(squares / (count - 1))};
    }
}
