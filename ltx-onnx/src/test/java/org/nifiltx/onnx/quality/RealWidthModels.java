package org.nifiltx.onnx.quality;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Random-weight models with the real LTX-Video 2B / 13B ({@link org.nifiltx.core.checkpoint.TransformerTopology}) and
 * T5-XXL widths (few layers), for quality gates at the widths
 * where quantization error actually shows: weights ~ U(±1/√in) like PyTorch's Linear init, norm scales near 1, so
 * activations keep realistic magnitudes through the blocks.
 */
final class RealWidthModels {
    private RealWidthModels() {
    }

    static WeightStore transformerWeights(final TransformerConfig config, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = config.innerDim();
        final Map<String, Tensor> w = new LinkedHashMap<>();
        linear(w, random, "patchify_proj", d, config.inChannels());
        linear(w, random, "adaln_single.emb.timestep_embedder.linear_1", d, 256);
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
                w.put(block + attention + ".q_norm.weight", around(random, 1f, 0.1f, d));
                w.put(block + attention + ".k_norm.weight", around(random, 1f, 0.1f, d));
            }
            linear(w, random, block + "ff.net.0.proj", 4 * d, d);
            linear(w, random, block + "ff.net.2", d, 4 * d);
            w.put(block + "scale_shift_table", around(random, 0f, 0.1f, 6, d));
        }
        w.put("scale_shift_table", around(random, 0f, 0.1f, 2, d));
        linear(w, random, "proj_out", config.outChannels(), d);
        return new WeightStore("transformer", w);
    }

    /** Transformer inputs: batch 2 (CFG), a latent grid of frames×h×w tokens, {@code text} caption tokens. */
    static TensorBundle transformerInputs(final TransformerConfig config, final int frames, final int h, final int w,
            final int text, final float timestep, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int batch = 2;
        final int tokens = frames * h * w;
        final Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("hidden_states", gaussian(random, batch, tokens, config.inChannels()));
        in.put("encoder_hidden_states", scaled(gaussian(random, batch, text, config.captionChannels()), 0.2f));
        final long[] mask = new long[batch * text];
        Arrays.fill(mask, 1);
        // item 1 has padded caption tokens, as a negative prompt usually does
        Arrays.fill(mask, text + text / 2, batch * text, 0);
        in.put("encoder_attention_mask", Tensor.ofLongs(new long[] {batch, text}, mask));
        in.put("timestep", Tensor.ofFloats(new long[] {batch}, new float[] {timestep, timestep}));
        in.put("video_coords", LatentLayout.videoCoords(batch, frames, h, w, 25, true));
        return TensorBundle.of(in);
    }

    /** T5 v1.1 XXL widths (d_model 4096, 64 heads × 64, d_ff 10240, gated-gelu) with {@code layers} blocks; a small vocabulary. */
    static T5Config t5Xxl(final int layers) {
        return T5Config.fromJson(org.nifiltx.core.checkpoint.Json.parse("T5-XXL width", """
                {"d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": %d, "num_heads": 64,
                 "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
                 "layer_norm_epsilon": 1e-6, "feed_forward_proj": "gated-gelu", "vocab_size": 2048}
                """.formatted(layers)), "T5-XXL width");
    }

    static WeightStore t5Weights(final T5Config config, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int d = config.dModel();
        final int inner = config.numHeads() * config.dKv();
        final Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("shared.weight", gaussian(random, config.vocabSize(), d));
        for (int i = 0; i < config.numLayers(); i++) {
            final String block = "encoder.block." + i + ".layer.";
            for (final String p : new String[] {"q", "k", "v"}) {
                w.put(block + "0.SelfAttention." + p + ".weight", uniform(random, (float) (1 / Math.sqrt(d)), inner, d));
            }
            w.put(block + "0.SelfAttention.o.weight", uniform(random, (float) (1 / Math.sqrt(inner)), d, inner));
            if (i == 0) {
                w.put(block + "0.SelfAttention.relative_attention_bias.weight",
                        uniform(random, 1f, config.relativeAttentionNumBuckets(), config.numHeads()));
            }
            w.put(block + "0.layer_norm.weight", around(random, 1f, 0.1f, d));
            w.put(block + "1.DenseReluDense.wi_0.weight", uniform(random, (float) (1 / Math.sqrt(d)), config.dFf(), d));
            w.put(block + "1.DenseReluDense.wi_1.weight", uniform(random, (float) (1 / Math.sqrt(d)), config.dFf(), d));
            w.put(block + "1.DenseReluDense.wo.weight", uniform(random, (float) (1 / Math.sqrt(config.dFf())), d, config.dFf()));
            w.put(block + "1.layer_norm.weight", around(random, 1f, 0.1f, d));
        }
        w.put("encoder.final_layer_norm.weight", around(random, 1f, 0.1f, d));
        return new WeightStore("text encoder", w);
    }

    static TensorBundle t5Inputs(final T5Config config, final int length, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] ids = new long[length];
        final long[] mask = new long[length];
        for (int i = 0; i < length; i++) {
            // a prompt of 3/4 the length, then padding (id 0) as the tokenizer pads to max length
            ids[i] = i < length * 3 / 4 ? 1 + random.nextInt(config.vocabSize() - 1) : 0;
            mask[i] = i < length * 3 / 4 ? 1 : 0;
        }
        return TensorBundle.of(Map.of("input_ids", Tensor.ofLongs(new long[] {1, length}, ids),
                "attention_mask", Tensor.ofLongs(new long[] {1, length}, mask)));
    }

    private static void linear(final Map<String, Tensor> w, final SplittableRandom random, final String name,
            final int out, final int in) {
        w.put(name + ".weight", uniform(random, (float) (1 / Math.sqrt(in)), out, in));
        w.put(name + ".bias", uniform(random, (float) (1 / Math.sqrt(in)), out));
    }

    private static Tensor uniform(final SplittableRandom random, final float bound, final long... shape) {
        final float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return Tensor.ofFloats(shape, v);
    }

    private static Tensor around(final SplittableRandom random, final float centre, final float spread, final long... shape) {
        final float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = centre + (float) ((random.nextDouble() * 2 - 1) * spread);
        }
        return Tensor.ofFloats(shape, v);
    }

    private static Tensor gaussian(final SplittableRandom random, final long... shape) {
        final float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            double u;
            double s;
            do {
                u = random.nextDouble() * 2 - 1;
                final double v2 = random.nextDouble() * 2 - 1;
                s = u * u + v2 * v2;
                if (s > 0 && s < 1) {
                    v[i] = (float) (u * Math.sqrt(-2 * Math.log(s) / s));
                    break;
                }
            } while (true);
        }
        return Tensor.ofFloats(shape, v);
    }

    private static Tensor scaled(final Tensor t, final float factor) {
        final float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return Tensor.ofFloats(t.shape(), v);
    }
}
