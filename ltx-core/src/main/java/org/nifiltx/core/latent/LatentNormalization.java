package org.nifiltx.core.latent;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/**
 * The VAE's per-channel latent statistics: the transformer works on normalised latents {@code (x - mean) / std},
 * the VAE decoder on raw ones {@code x * std + mean}. float32, the references' operation order.
 */
public final class LatentNormalization {
    private LatentNormalization() {
    }

    /** [B, C, F, H, W] raw to normalised. */
    public static Tensor normalize(final Tensor latents, final float[] mean, final float[] std) {
        final long[] shape = checkedShape(latents, mean, std);
        final float[] values = latents.toFloatArray();
        final int perChannel = (int) (shape[2] * shape[3] * shape[4]);
        final int channels = (int) shape[1];
        for (int i = 0; i < values.length; i++) {
            final int c = (i / perChannel) % channels;
            values[i] = (values[i] - mean[c]) / std[c];
        }
        return Tensor.ofFloats(shape, values);
    }

    /** [B, C, F, H, W] normalised to raw. */
    public static Tensor denormalize(final Tensor latents, final float[] mean, final float[] std) {
        final long[] shape = checkedShape(latents, mean, std);
        final float[] values = latents.toFloatArray();
        final int perChannel = (int) (shape[2] * shape[3] * shape[4]);
        final int channels = (int) shape[1];
        for (int i = 0; i < values.length; i++) {
            final int c = (i / perChannel) % channels;
            values[i] = values[i] * std[c] + mean[c];
        }
        return Tensor.ofFloats(shape, values);
    }

    private static long[] checkedShape(final Tensor latents, final float[] mean, final float[] std) {
        final long[] shape = LatentLayout.requireRank(latents, 5, "latents");
        if (mean.length != shape[1] || std.length != shape[1]) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "latents have " + shape[1] + " channels but the statistics "
                    + mean.length + " means and " + std.length + " standard deviations");
        }
        return shape;
    }
}
