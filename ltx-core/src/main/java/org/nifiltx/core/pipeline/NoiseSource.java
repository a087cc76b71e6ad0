package org.nifiltx.core.pipeline;

import org.nifiltx.core.tensor.Tensor;

/**
 * Where a generation's random tensors come from: a seeded generator, or a file that supplies them (how parity
 * tests reproduce the reference pipelines, whose torch generators Java cannot replay). Names are the
 * {@code --noise} file's tensor names.
 */
public interface NoiseSource {
    /** Initial latent noise, packed [1, N, C]. */
    String INITIAL_LATENTS = "initial_latents";
    /** Posterior sample noise of the image latent for image-to-video, [1, C, 1, h, w]. */
    String IMAGE_LATENT_NOISE = "image_latent_noise";
    /** Decode noise, [1, C, F, h, w]. */
    String DECODE_NOISE = "decode_noise";

    /**
     * The stochastic-sampling draw of one step, packed [1, N, C] like the latents the step updates (conditioning tokens
     * included): {@code stochastic_noise_<pass>_<step>}, pass 1-based (1, or 2 for the multi-scale second pass), step 0-based.
     */
    static String stochasticNoise(final int pass, final int step) {
        return "stochastic_noise_" + pass + "_" + step;
    }

    /** A standard-normal tensor for the named draw, of exactly {@code shape}. */
    Tensor draw(String name, long[] shape);
}
