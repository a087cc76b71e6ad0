package org.nifiltx.core.pipeline;

import org.nifiltx.core.tensor.Tensor;

/**
 * One denoising pass over a latent grid.
 *
 * @param latents           normalised packed latents [1, N, C] (after conditioning was applied)
 * @param frames            latent frames F
 * @param height            latent rows h
 * @param width             latent columns w
 * @param sigmas            flow times of the model calls, decreasing (the step after the last goes to 0)
 * @param rule              timestep and step treatment of conditioned tokens
 * @param conditioningMask  per-token conditioning strength [N] in [0, 1], or null when nothing is conditioned
 * @param videoCoords       RoPE positions [1, 3, N]
 */
public record DenoisePass(float[] latents, int frames, int height, int width, float[] sigmas, StepRule rule,
        float[] conditioningMask, Tensor videoCoords) {

    public int tokens() {
        return frames * height * width;
    }
}
