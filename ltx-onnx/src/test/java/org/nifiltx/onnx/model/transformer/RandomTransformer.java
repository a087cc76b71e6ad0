package org.nifiltx.onnx.model.transformer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** A seeded random transformer (config + in-memory weights under original names) and matching random inputs. */
final class RandomTransformer {
    /** Sinusoid width of the timestep embedder in every LTX checkpoint. */
    private static final int TIMESTEP_PROJECTION = 256;
    private static final int FRAMES = 2;
    private static final int HEIGHT = 2;
    private static final int WIDTH = 3;
    static final int TOKENS = FRAMES * HEIGHT * WIDTH;
    static final int TEXT_TOKENS = 7;

    private final Random random;

    RandomTransformer(final long seed) {
        this.random = new Random(seed);
    }

    static TransformerConfig config(final int layers, final int heads, final int headDim, final int inChannels,
            final int outChannels, final int captionChannels) {
        final int innerDim = heads * headDim;
        return new TransformerConfig(layers, heads, headDim, inChannels, outChannels, innerDim, captionChannels, 1, 1, 1e-6,
                1e-5, 10000.0, new int[] {20, 2048, 2048}, 1000.0, Optional.of(true));
    }

    WeightStore weights(final TransformerConfig config) {
        final int d = config.innerDim();
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        linear(tensors, "patchify_proj", d, config.inChannels());
        linear(tensors, "adaln_single.emb.timestep_embedder.linear_1", d, TIMESTEP_PROJECTION);
        linear(tensors, "adaln_single.emb.timestep_embedder.linear_2", d, d);
        linear(tensors, "adaln_single.linear", 6 * d, d);
        linear(tensors, "caption_projection.linear_1", d, config.captionChannels());
        linear(tensors, "caption_projection.linear_2", d, d);
        for (int i = 0; i < config.numLayers(); i++) {
            final String block = "transformer_blocks." + i + ".";
            tensors.put(block + "scale_shift_table", gaussian(0.3, 6, d));
            for (final String attention : new String[] {"attn1", "attn2"}) {
                final int keyWidth = attention.equals("attn1") ? d : config.crossAttentionDim();
                linear(tensors, block + attention + ".to_q", d, d);
                linear(tensors, block + attention + ".to_k", d, keyWidth);
                linear(tensors, block + attention + ".to_v", d, keyWidth);
                linear(tensors, block + attention + ".to_out.0", d, d);
                tensors.put(block + attention + ".q_norm.weight", aroundOne(d));
                tensors.put(block + attention + ".k_norm.weight", aroundOne(d));
            }
            linear(tensors, block + "ff.net.0.proj", 4 * d, d);
            linear(tensors, block + "ff.net.2", d, 4 * d);
        }
        tensors.put("scale_shift_table", gaussian(0.3, 2, d));
        linear(tensors, "proj_out", config.outChannels(), d);
        return new WeightStore("transformer", tensors);
    }

    /** Inputs for {@code batch} items with per-token timesteps (first latent frame at 0) and a padded caption mask. */
    TensorBundle inputs(final TransformerConfig config, final int batch, final float frameRate) {
        final Map<String, Tensor> feed = new LinkedHashMap<>();
        feed.put("hidden_states", gaussian(1.0, batch, TOKENS, config.inChannels()));
        feed.put("encoder_hidden_states", gaussian(1.0, batch, TEXT_TOKENS, config.captionChannels()));
        final long[] mask = new long[batch * TEXT_TOKENS];
        for (int b = 0; b < batch; b++) {
            for (int l = 0; l < TEXT_TOKENS; l++) {
                mask[b * TEXT_TOKENS + l] = l < TEXT_TOKENS - b * 2 ? 1 : 0;
            }
        }
        feed.put("encoder_attention_mask", Tensor.ofLongs(new long[] {batch, TEXT_TOKENS}, mask));
        final float[] timestep = new float[batch * TOKENS];
        final float[] coords = new float[batch * 3 * TOKENS];
        for (int b = 0; b < batch; b++) {
            final float t = random.nextFloat();
            for (int n = 0; n < TOKENS; n++) {
                final int f = n / (HEIGHT * WIDTH);
                final int y = n / WIDTH % HEIGHT;
                final int x = n % WIDTH;
                timestep[b * TOKENS + n] = f == 0 ? 0f : t;
                coords[(b * 3) * TOKENS + n] = Math.max(0, 8 * f + 1 - 8) * (1f / frameRate);
                coords[(b * 3 + 1) * TOKENS + n] = 32 * y;
                coords[(b * 3 + 2) * TOKENS + n] = 32 * x;
            }
        }
        feed.put("timestep", Tensor.ofFloats(new long[] {batch, TOKENS}, timestep));
        feed.put("video_coords", Tensor.ofFloats(new long[] {batch, 3, TOKENS}, coords));
        return TensorBundle.of(feed);
    }

    private void linear(final Map<String, Tensor> tensors, final String name, final int out, final int in) {
        tensors.put(name + ".weight", gaussian(1.0 / Math.sqrt(in), out, in));
        tensors.put(name + ".bias", gaussian(0.1, out));
    }

    private Tensor aroundOne(final int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.2 * random.nextGaussian());
        }
        return Tensor.ofFloats(new long[] {n}, v);
    }

    Tensor gaussian(final double std, final long... shape) {
        final float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * random.nextGaussian());
        }
        return Tensor.ofFloats(shape, v);
    }
}
