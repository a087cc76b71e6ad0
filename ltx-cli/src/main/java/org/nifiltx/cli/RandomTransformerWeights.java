package org.nifiltx.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;

/**
 * Random weights with the original key names and shapes for any transformer config: lets the benchmark measure the
 * real 2B/13B topology without the checkpoint (timings do not depend on weight values).
 */
final class RandomTransformerWeights {
    /** Width of the sinusoidal timestep embedding fed to adaln_single's first linear. */
    private static final int TIMESTEP_CHANNELS = 256;

    private RandomTransformerWeights() {
    }

    static WeightStore create(final TransformerConfig config, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = config.innerDim();
        final Map<String, Tensor> w = new LinkedHashMap<>();
        linear(w, random, "patchify_proj", d, config.inChannels());
        linear(w, random, "adaln_single.emb.timestep_embedder.linear_1", d, TIMESTEP_CHANNELS);
        linear(w, random, "adaln_single.emb.timestep_embedder.linear_2", d, d);
        linear(w, random, "adaln_single.linear", 6 * d, d);
        linear(w, random, "caption_projection.linear_1", d, config.captionChannels());
        linear(w, random, "caption_projection.linear_2", d, d);
        for (int i = 0; i < config.numLayers(); i++) {
            final String block = "transformer_blocks." + i + ".";
            for (final String attention : new String[] {"attn1", "attn2"}) {
                final int source = attention.equals("attn1") ? d : config.crossAttentionDim();
                linear(w, random, block + attention + ".to_q", d, d);
                linear(w, random, block + attention + ".to_k", d, source);
                linear(w, random, block + attention + ".to_v", d, source);
                linear(w, random, block + attention + ".to_out.0", d, d);
                w.put(block + attention + ".q_norm.weight", values(random, 1f, d));
                w.put(block + attention + ".k_norm.weight", values(random, 1f, d));
            }
            linear(w, random, block + "ff.net.0.proj", 4 * d, d);
            linear(w, random, block + "ff.net.2", d, 4 * d);
            w.put(block + "scale_shift_table", values(random, 0.1f, 6, d));
        }
        w.put("scale_shift_table", values(random, 0.1f, 2, d));
        linear(w, random, "proj_out", config.outChannels(), d);
        return new WeightStore("transformer", w);
    }

    private static void linear(final Map<String, Tensor> w, final SplittableRandom random, final String name, final int out, final int in) {
        w.put(name + ".weight", values(random, (float) (1 / Math.sqrt(in)), out, in));
        w.put(name + ".bias", values(random, 0.01f, out));
    }

    private static Tensor values(final SplittableRandom random, final float scale, final long... shape) {
        final float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return Tensor.ofFloats(shape, v);
    }
}
