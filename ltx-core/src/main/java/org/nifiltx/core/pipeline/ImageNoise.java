package org.nifiltx.core.pipeline;

/**
 * The official pipeline's image-conditioning noise ({@code image_cond_noise_scale}): before each step, tokens
 * conditioned at full strength are reset to their clean latents plus fresh noise scaled by {@code scale·t²}, which
 * keeps the first frame from looking frozen.
 */
public record ImageNoise(NoiseSource noise, double scale) {

    float[] apply(final float[] latents, final float[] initial, final float[] mask, final float t, final int step) {
        if (scale <= 0) {
            return latents;
        }
        final int channels = latents.length / mask.length;
        final float[] fresh = noise.draw("image_cond_noise_" + step, new long[] {1, mask.length, channels}).toFloatArray();
        final float amount = (float) (scale * t * t);
        final float[] out = latents.clone();
        for (int n = 0; n < mask.length; n++) {
            if (mask[n] > 1f - 1e-6f) {
                for (int c = 0; c < channels; c++) {
                    final int i = n * channels + c;
                    out[i] = initial[i] + amount * fresh[i];
                }
            }
        }
        return out;
    }
}
