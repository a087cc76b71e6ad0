package org.nifiltx.core.checkpoint;

import java.util.Optional;

/**
 * The two published LTX-Video 0.9.x transformer sizes. Both have 32 heads, 128 latent channels, patch 1×1×1, T5-XXL
 * captions (4096) and cross-attention as wide as the hidden state; they differ in head width and depth (the original
 * {@code Transformer3DModel} configs in the single files, diffusers' {@code transformer/config.json}):
 * <ul>
 * <li>2B (0.9.0 … 0.9.8): 28 layers, 32 × 64 = 2048 wide;</li>
 * <li>13B (0.9.7, 0.9.8): 48 layers, 32 × 128 = 4096 wide.</li>
 * </ul>
 * Used where a config of the real widths is needed without a checkpoint: random-weight quality gates, memory
 * estimates, the benchmark.
 */
public enum TransformerTopology {
    LTX_2B(28, 64),
    LTX_13B(48, 128);

    private static final int HEADS = 32;
    private static final int LATENT_CHANNELS = 128;
    private static final int T5_XXL_WIDTH = 4096;

    private final int layers;
    private final int headDim;

    TransformerTopology(final int layers, final int headDim) {
        this.layers = layers;
        this.headDim = headDim;
    }

    /** The published depth. */
    public int layers() {
        return layers;
    }

    /** The published model. */
    public TransformerConfig config() {
        return config(layers);
    }

    /** This topology with {@code numLayers} blocks (tests and benchmarks at real width). */
    public TransformerConfig config(final int numLayers) {
        return config(numLayers, HEADS, headDim);
    }

    /**
     * The 0.9.x family at any head count and width: cross-attention as wide as the hidden state, the original
     * configs' norm epsilons, RoPE theta and maximum positions, causal temporal positioning (0.9.5+).
     */
    public static TransformerConfig config(final int numLayers, final int heads, final int headDim) {
        return new TransformerConfig(numLayers, heads, headDim, LATENT_CHANNELS, LATENT_CHANNELS, heads * headDim,
                T5_XXL_WIDTH, 1, 1, 1e-6, 1e-5, 10000.0, new int[] {20, 2048, 2048}, 1000.0, Optional.of(true));
    }
}
