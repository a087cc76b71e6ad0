package org.nifiltx.core.latent;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/**
 * How video latents [B, C, F, H, W] map onto transformer tokens [B, N, C] (token n = (f*H + y)*W + x, patch size 1)
 * and the RoPE positions of those tokens.
 */
public final class LatentLayout {
    /** VAE spatial compression: one latent pixel covers 32x32 pixels. */
    public static final int SPATIAL_SCALE = 32;
    /** VAE temporal compression: one latent frame covers 8 frames (after the first). */
    public static final int TEMPORAL_SCALE = 8;

    private LatentLayout() {
    }

    /** [B, C, F, H, W] to [B, F*H*W, C]. */
    public static Tensor pack(final Tensor latents) {
        final long[] shape = requireRank(latents, 5, "latents");
        final int batch = (int) shape[0];
        final int channels = (int) shape[1];
        final int tokens = Math.toIntExact(shape[2] * shape[3] * shape[4]);
        final float[] source = latents.toFloatArray();
        final float[] packed = new float[source.length];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                final int sourceBase = (b * channels + c) * tokens;
                for (int n = 0; n < tokens; n++) {
                    packed[(b * tokens + n) * channels + c] = source[sourceBase + n];
                }
            }
        }
        return Tensor.ofFloats(new long[] {batch, tokens, channels}, packed);
    }

    /** [B, F*H*W, C] back to [B, C, F, H, W]. */
    public static Tensor unpack(final Tensor tokens, final int frames, final int height, final int width) {
        final long[] shape = requireRank(tokens, 3, "packed latents");
        final int batch = (int) shape[0];
        final int count = (int) shape[1];
        final int channels = (int) shape[2];
        if ((long) frames * height * width != count) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "packed latents hold " + count + " tokens, but a "
                    + frames + "x" + height + "x" + width + " latent grid needs " + (long) frames * height * width);
        }
        final float[] source = tokens.toFloatArray();
        final float[] unpacked = new float[source.length];
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < count; n++) {
                final int sourceBase = (b * count + n) * channels;
                for (int c = 0; c < channels; c++) {
                    unpacked[(b * channels + c) * count + n] = source[sourceBase + c];
                }
            }
        }
        return Tensor.ofFloats(new long[] {batch, channels, frames, height, width}, unpacked);
    }

    /** Integer latent coordinates (f, y, x) per token as int64 [B, 3, N], like the pipelines' latent_coords. */
    public static Tensor latentCoords(final int batch, final int frames, final int height, final int width) {
        final int tokens = frames * height * width;
        final long[] coords = new long[batch * 3 * tokens];
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < tokens; n++) {
                final int base = b * 3 * tokens + n;
                coords[base] = n / (height * width);
                coords[base + tokens] = (n / width) % height;
                coords[base + 2 * tokens] = n % width;
            }
        }
        return Tensor.ofLongs(new long[] {batch, 3, tokens}, coords);
    }

    /** {@link #videoCoords(int, int, int, int, double, boolean, int, int)} with the LTX VAE scales 32 and 8. */
    public static Tensor videoCoords(final int batch, final int frames, final int height, final int width,
            final double frameRate, final boolean causal) {
        return videoCoords(batch, frames, height, width, frameRate, causal, SPATIAL_SCALE, TEMPORAL_SCALE);
    }

    /**
     * RoPE positions float32 [B, 3, N]: (time in seconds, pixel row, pixel column) per token. Pixel frame
     * {@code temporalScale*f}, with the causal fix {@code max(0, temporalScale*f + 1 - temporalScale)} (0.9.5+, the
     * first latent frame covers one pixel frame); seconds = pixel frame x the float32 reciprocal of the frame rate,
     * which is how both pipelines compute it ({@code coords * (1.0 / frame_rate)}).
     */
    public static Tensor videoCoords(final int batch, final int frames, final int height, final int width,
            final double frameRate, final boolean causal, final int spatialScale, final int temporalScale) {
        if (!(frameRate > 0.0)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "frame rate must be positive, got " + frameRate);
        }
        final float secondsPerFrame = (float) (1.0 / frameRate);
        final int tokens = frames * height * width;
        final float[] coords = new float[batch * 3 * tokens];
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < tokens; n++) {
                final int f = n / (height * width);
                final int y = (n / width) % height;
                final int x = n % width;
                final int pixelFrame = causal ? Math.max(0, temporalScale * f + 1 - temporalScale) : temporalScale * f;
                final int base = b * 3 * tokens + n;
                coords[base] = (float) pixelFrame * secondsPerFrame;
                coords[base + tokens] = (float) (spatialScale * y);
                coords[base + 2 * tokens] = (float) (spatialScale * x);
            }
        }
        return Tensor.ofFloats(new long[] {batch, 3, tokens}, coords);
    }

    static long[] requireRank(final Tensor tensor, final int rank, final String what) {
        final long[] shape = tensor.shape();
        if (shape.length != rank) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    what + " must have rank " + rank + ", got shape " + Tensor.shapeString(shape));
        }
        return shape;
    }
}
