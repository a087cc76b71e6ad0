package org.nifiltx.core.video;

import java.util.Random;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/** Synthetic frames for the round-trip tests, generated rather than stored so the tests carry no binary fixtures. */
final class TestFrames {
    private TestFrames() {
    }

    /** A smooth diagonal gradient with a soft-edged disc moving left to right: easy for a lossy codec. */
    static Tensor smoothPattern(final int count, final int width, final int height) {
        final byte[] bytes = new byte[count * height * width * 3];
        int position = 0;
        for (int frame = 0; frame < count; frame++) {
            final double centreX = width * (0.2 + 0.6 * frame / Math.max(1, count - 1));
            final double centreY = height * 0.5;
            final double radius = Math.min(width, height) * 0.25;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    final double distance = Math.hypot(x - centreX, y - centreY);
                    // A few pixels of ramp at the edge instead of a hard step.
                    final double disc = Math.clamp((radius - distance) / 4.0 + 0.5, 0.0, 1.0);
                    final double red = 40 + 160.0 * x / width;
                    final double green = 60 + 120.0 * y / height;
                    final double blue = 180 - 100.0 * (x + y) / (width + height);
                    bytes[position++] = (byte) Math.round(red * (1 - disc) + 230 * disc);
                    bytes[position++] = (byte) Math.round(green * (1 - disc) + 200 * disc);
                    bytes[position++] = (byte) Math.round(blue * (1 - disc) + 40 * disc);
                }
            }
        }
        return Tensor.ofBytes(DType.U8, new long[] {count, height, width, 3}, bytes);
    }

    /** Random bytes: the hardest case for every codec, used where only exact lossless formats are checked. */
    static Tensor noise(final int count, final int width, final int height, final long seed) {
        final byte[] bytes = new byte[count * height * width * 3];
        new Random(seed).nextBytes(bytes);
        return Tensor.ofBytes(DType.U8, new long[] {count, height, width, 3}, bytes);
    }

    /** Blocks of 8 distinct colours, shifted each frame: fits any GIF palette exactly. */
    static Tensor fewColours(final int count, final int width, final int height) {
        final int[][] palette = {{0, 0, 0}, {255, 255, 255}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255},
            {255, 255, 0}, {0, 255, 255}, {128, 64, 200}};
        final byte[] bytes = new byte[count * height * width * 3];
        int position = 0;
        for (int frame = 0; frame < count; frame++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    final int[] colour = palette[(x / 8 + y / 8 + frame) % palette.length];
                    bytes[position++] = (byte) colour[0];
                    bytes[position++] = (byte) colour[1];
                    bytes[position++] = (byte) colour[2];
                }
            }
        }
        return Tensor.ofBytes(DType.U8, new long[] {count, height, width, 3}, bytes);
    }

    /**
     * PSNR in dB of frame {@code frame} of {@code actual} against {@code expected}, over the expected frame's
     * width x height (so a padded decode is compared on the real pixels only).
     */
    static double psnr(final Tensor expected, final Tensor actual, final int frame) {
        final int height = (int) expected.dim(1);
        final int width = (int) expected.dim(2);
        final int actualWidth = (int) actual.dim(2);
        final int actualHeight = (int) actual.dim(1);
        final byte[] a = expected.toByteArray();
        final byte[] b = actual.toByteArray();
        double squared = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    final int left = a[((frame * height + y) * width + x) * 3 + c] & 0xFF;
                    final int right = b[((frame * actualHeight + y) * actualWidth + x) * 3 + c] & 0xFF;
                    squared += (double) (left - right) * (left - right);
                }
            }
        }
        final double meanSquared = squared / (height * width * 3.0);
        return meanSquared == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / meanSquared);
    }
}
