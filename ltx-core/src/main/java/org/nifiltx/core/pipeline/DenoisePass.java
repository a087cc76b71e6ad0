package org.nifiltx.core.pipeline;

import org.nifiltx.core.tensor.Tensor;

/**
 * One denoising pass over a latent grid, optionally preceded by extra conditioning tokens (keyframes).
 *
 * @param latents           normalised packed latents [1, extra + F·h·w, C] (after conditioning was applied), extra tokens first
 * @param frames            latent frames F
 * @param height            latent rows h
 * @param width             latent columns w
 * @param sigmas            flow times of the model calls, decreasing (the step after the last goes to 0)
 * @param rule              timestep and step treatment of conditioned tokens
 * @param conditioningMask  per-token conditioning strength [extra + F·h·w] in [0, 1], or null when nothing is conditioned
 * @param videoCoords       RoPE positions [1, 3, extra + F·h·w]
 * @param extraTokens       conditioning tokens before the grid; the caller drops them before unpacking
 */
public record DenoisePass(float[] latents, int frames, int height, int width, float[] sigmas, StepRule rule,
        float[] conditioningMask, Tensor videoCoords, int extraTokens) {

    /** A pass over the grid alone. */
    public DenoisePass(final float[] latents, final int frames, final int height, final int width, final float[] sigmas,
            final StepRule rule, final float[] conditioningMask, final Tensor videoCoords) {
        this(latents, frames, height, width, sigmas, rule, conditioningMask, videoCoords, 0);
    }

    /** Every token the transformer sees: the extra conditioning tokens and the grid. */
    public int tokens() {
        return extraTokens + frames * height * width;
    }
}
