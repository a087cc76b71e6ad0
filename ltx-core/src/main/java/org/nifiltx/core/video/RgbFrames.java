package org.nifiltx.core.video;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/** A validated uint8 [F,H,W,3] RGB frame tensor with per-frame access, shared by every writer. */
final class RgbFrames {
    private final Tensor tensor;
    private final ByteBuffer data;
    private final int count;
    private final int height;
    private final int width;

    private RgbFrames(final Tensor tensor) {
        this.tensor = tensor;
        this.data = tensor.data();
        this.count = (int) tensor.dim(0);
        this.height = (int) tensor.dim(1);
        this.width = (int) tensor.dim(2);
    }

    /** Checks rank, channel count, dtype and sizes, with messages that name the rule and the value found. */
    static RgbFrames of(final Tensor frames) {
        if (frames == null) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "video frames must not be null");
        }
        final long[] shape = frames.shape();
        if (shape.length != 4) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "video frames must have rank 4 [F,H,W,3], got rank "
                    + shape.length + " shape " + Arrays.toString(shape));
        }
        if (shape[3] != 3) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "video frames must have 3 (RGB) channels in the last "
                    + "dimension, got " + shape[3] + " in shape " + Arrays.toString(shape));
        }
        if (frames.dtype() != DType.U8) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "video frames must have dtype U8, got " + frames.dtype());
        }
        if (shape[0] < 1) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "video frames must hold at least 1 frame, got shape " + Arrays.toString(shape));
        }
        if (shape[1] < 1 || shape[2] < 1 || shape[1] > 16384 || shape[2] > 16384) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "video frame height and width must be in 1..16384, got shape " + Arrays.toString(shape));
        }
        return new RgbFrames(frames);
    }

    Tensor tensor() {
        return tensor;
    }

    int count() {
        return count;
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    /** Byte offset of frame {@code frame}, row {@code y}, column {@code x}, channel 0. */
    int offset(final int frame, final int y, final int x) {
        return ((frame * height + y) * width + x) * 3;
    }

    /** The unsigned sample at a byte offset from {@link #offset}. */
    int sample(final int offset) {
        return data.get(offset) & 0xFF;
    }

    /** Frame {@code frame} as a TYPE_INT_RGB image, which every ImageIO writer accepts. */
    BufferedImage image(final int frame) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            int offset = offset(frame, y, 0);
            for (int x = 0; x < width; x++) {
                row[x] = sample(offset) << 16 | sample(offset + 1) << 8 | sample(offset + 2);
                offset += 3;
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }
}
