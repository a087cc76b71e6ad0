package org.nifiltx.core.pipeline;

import org.nifiltx.core.tensor.Tensor;

/** Images and frames to and from the [-1, 1] float layout the VAE takes, with the resizes the pipelines use. */
final class ImagePreprocess {
    private ImagePreprocess() {
    }

    /**
     * uint8 RGB [H, W, 3] → float [1, 3, 1, height, width] in [-1, 1]: centre crop to the target aspect ratio, then a
     * bilinear resize (skipped when the image already has the target size, as in the fixtures), then {@code 2x/255 - 1}.
     */
    static Tensor toVideoTensor(final Tensor image, final int height, final int width) {
        final int h = (int) image.dim(0);
        final int w = (int) image.dim(1);
        final float[] pixels = image.toFloatArray();
        float[] planar = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    planar[(c * h + y) * w + x] = pixels[(y * w + x) * 3 + c];
                }
            }
        }
        int cropH = h;
        int cropW = w;
        if ((long) h * width != (long) w * height) {
            if ((double) w / h > (double) width / height) {
                cropW = (int) Math.round((double) h * width / height);
            } else {
                cropH = (int) Math.round((double) w * height / width);
            }
            planar = crop(planar, 3, h, w, (h - cropH) / 2, (w - cropW) / 2, cropH, cropW);
        }
        if (cropH != height || cropW != width) {
            planar = resizeBilinear(planar, 3, cropH, cropW, height, width);
        }
        for (int i = 0; i < planar.length; i++) {
            planar[i] = planar[i] / 255f * 2f - 1f;
        }
        return Tensor.ofFloats(new long[] {1, 3, 1, height, width}, planar);
    }

    private static float[] crop(final float[] planes, final int count, final int h, final int w, final int top, final int left,
            final int outH, final int outW) {
        final float[] out = new float[count * outH * outW];
        for (int c = 0; c < count; c++) {
            for (int y = 0; y < outH; y++) {
                System.arraycopy(planes, (c * h + top + y) * w + left, out, (c * outH + y) * outW, outW);
            }
        }
        return out;
    }

    /** Bilinear resize of {@code count} planes, {@code align_corners=False} (half-pixel centres), as torch does. */
    static float[] resizeBilinear(final float[] planes, final int count, final int h, final int w, final int outH, final int outW) {
        final float[] out = new float[count * outH * outW];
        final double scaleY = (double) h / outH;
        final double scaleX = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            final double sy = Math.max(0, (y + 0.5) * scaleY - 0.5);
            final int y0 = Math.min((int) sy, h - 1);
            final int y1 = Math.min(y0 + 1, h - 1);
            final double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                final double sx = Math.max(0, (x + 0.5) * scaleX - 0.5);
                final int x0 = Math.min((int) sx, w - 1);
                final int x1 = Math.min(x0 + 1, w - 1);
                final double fx = sx - x0;
                for (int c = 0; c < count; c++) {
                    final int base = c * h * w;
                    final double top = planes[base + y0 * w + x0] * (1 - fx) + planes[base + y0 * w + x1] * fx;
                    final double bottom = planes[base + y1 * w + x0] * (1 - fx) + planes[base + y1 * w + x1] * fx;
                    out[(c * outH + y) * outW + x] = (float) (top * (1 - fy) + bottom * fy);
                }
            }
        }
        return out;
    }
}
