package org.nifiltx.core.video;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * Decoded video [B, C, F, H, W] in about [−1, 1] → frames [F, H, W, C] uint8 of batch item 0:
 * {@code clamp(x/2 + 0.5, 0, 1)·255} computed in float32, then rounded or truncated.
 */
public final class FramesPostprocess {
    /** How the scaled value becomes an integer. */
    public enum Rounding {
        /** Round half to even, as diffusers' PIL path ({@code numpy.round}). */
        ROUND,
        /** Truncate towards zero, as the original inference script ({@code astype(uint8)}). */
        TRUNCATE
    }

    private FramesPostprocess() {
    }

    public static Tensor toUint8(final Tensor video, final Rounding rounding) {
        if (video.rank() != 5 || !video.dtype().isFloatingPoint()) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "frames: video has shape " + Tensor.shapeString(video.shape())
                    + " and dtype " + video.dtype() + ", expected a floating-point [B, C, F, H, W] tensor");
        }
        final int channels = Math.toIntExact(video.dim(1));
        final int frames = Math.toIntExact(video.dim(2));
        final int height = Math.toIntExact(video.dim(3));
        final int width = Math.toIntExact(video.dim(4));
        // read in place and written in place: a 121-frame 768x512 video is 571 MB of floats, 143 MB of bytes
        final java.nio.FloatBuffer values = video.toF32().floatView(); // batch item 0 is the first C·F·H·W values
        final int plane = height * width;
        final java.nio.ByteBuffer out = java.nio.ByteBuffer.allocateDirect(Math.multiplyExact(frames * plane, channels));
        for (int c = 0; c < channels; c++) {
            for (int f = 0; f < frames; f++) {
                final int source = (c * frames + f) * plane;
                final int target = f * plane * channels + c;
                for (int p = 0; p < plane; p++) {
                    final float unit = Math.min(Math.max(values.get(source + p) / 2f + 0.5f, 0f), 1f);
                    final float scaled = unit * 255f;
                    final float integral = rounding == Rounding.ROUND ? (float) Math.rint(scaled) : (float) Math.floor(scaled);
                    out.put(target + p * channels, (byte) (int) integral);
                }
            }
        }
        return new Tensor(DType.U8, new long[] {frames, height, width, channels}, out);
    }
}
