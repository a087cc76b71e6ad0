package org.nifiltx.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensor names and shapes of the demo model, in diffusers naming, matching {@link DemoConfigs} (the ltx-tiny
 * sizes). Only the shapes live here; the values come from {@link DemoModel}'s seeded generator.
 */
final class DemoWeights {
    private static final int INNER = 32;
    private static final int LATENT = 16;
    private static final int CAPTION = 24;
    private static final int FEED_FORWARD = 128;
    private static final int T5_FEED_FORWARD = 64;
    private static final int VOCABULARY = 320;
    private static final int T5_HEADS = 3;
    private static final int RELATIVE_BUCKETS = 32;
    private static final int SINUSOID = 256;

    private DemoWeights() {
    }

    /** LTXVideoTransformer3DModel: 2 blocks, 2 heads of 16, caption width 24. */
    static Map<String, long[]> transformer() {
        final Map<String, long[]> shapes = new LinkedHashMap<>();
        linear(shapes, "caption_projection.linear_1", INNER, CAPTION);
        linear(shapes, "caption_projection.linear_2", INNER, INNER);
        linear(shapes, "proj_in", INNER, LATENT);
        linear(shapes, "proj_out", LATENT, INNER);
        shapes.put("scale_shift_table", new long[] {2, INNER});
        timeEmbedder(shapes, "time_embed.emb.timestep_embedder", INNER);
        linear(shapes, "time_embed.linear", 6 * INNER, INNER);
        for (int block = 0; block < 2; block++) {
            final String prefix = "transformer_blocks." + block + ".";
            for (final String attention : new String[] {"attn1", "attn2"}) {
                shapes.put(prefix + attention + ".norm_k.weight", new long[] {INNER});
                shapes.put(prefix + attention + ".norm_q.weight", new long[] {INNER});
                for (final String projection : new String[] {"to_k", "to_out.0", "to_q", "to_v"}) {
                    linear(shapes, prefix + attention + "." + projection, INNER, INNER);
                }
            }
            linear(shapes, prefix + "ff.net.0.proj", FEED_FORWARD, INNER);
            linear(shapes, prefix + "ff.net.2", INNER, FEED_FORWARD);
            shapes.put(prefix + "scale_shift_table", new long[] {6, INNER});
        }
        return shapes;
    }

    /**
     * AutoencoderKLLTXVideo (0.9.5 blocks): encoder widths 8, 16, 32, 32 with spatial, temporal, spatiotemporal,
     * spatiotemporal downsamplers; timestep-conditioned decoder 32 → 16 → 8 → 4 with three depth-to-space upsamplers.
     */
    static Map<String, long[]> vae() {
        final Map<String, long[]> shapes = new LinkedHashMap<>();
        conv(shapes, "decoder.conv_in", INNER, LATENT);
        conv(shapes, "decoder.conv_out", 48, 4);
        resnet(shapes, "decoder.mid_block.resnets.0", INNER, true);
        timeEmbedder(shapes, "decoder.mid_block.time_embedder.timestep_embedder", 4 * INNER);
        shapes.put("decoder.scale_shift_table", new long[] {2, 4});
        timeEmbedder(shapes, "decoder.time_embedder.timestep_embedder", 8);
        shapes.put("decoder.timestep_scale_multiplier", new long[] {});
        final int[] upInput = {32, 16, 8};
        final int[] upOutput = {16, 8, 4};
        final int[] upResnets = {1, 1, 2};
        for (int block = 0; block < 3; block++) {
            final String prefix = "decoder.up_blocks." + block + ".";
            for (int resnet = 0; resnet < upResnets[block]; resnet++) {
                resnet(shapes, prefix + "resnets." + resnet, upOutput[block], true);
            }
            timeEmbedder(shapes, prefix + "time_embedder.timestep_embedder", 4 * upOutput[block]);
            // Depth-to-space ×2 in time, height and width: 8 output channels per upsampled channel.
            conv(shapes, prefix + "upsamplers.0.conv", 8 * upOutput[block], upInput[block]);
        }
        conv(shapes, "encoder.conv_in", 8, 48);
        conv(shapes, "encoder.conv_out", 17, INNER);
        final int[] downWidth = {8, 16, 32, 32};
        final int[] downResnets = {2, 1, 1, 1};
        // Space-to-depth factors 4 (spatial), 2 (temporal), 8 (spatiotemporal) divide the next width.
        final int[] downOutput = {4, 16, 4, 4};
        for (int block = 0; block < 4; block++) {
            final String prefix = "encoder.down_blocks." + block + ".";
            conv(shapes, prefix + "downsamplers.0.conv", downOutput[block], downWidth[block]);
            for (int resnet = 0; resnet < downResnets[block]; resnet++) {
                resnet(shapes, prefix + "resnets." + resnet, downWidth[block], false);
            }
        }
        resnet(shapes, "encoder.mid_block.resnets.0", INNER, false);
        shapes.put("latents_mean", new long[] {LATENT});
        shapes.put("latents_std", new long[] {LATENT});
        return shapes;
    }

    /** T5EncoderModel: 2 layers of width 24, 3 heads of 8, gated-GELU feed-forward of 64, 320-token vocabulary. */
    static Map<String, long[]> textEncoder() {
        final Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int block = 0; block < 2; block++) {
            final String prefix = "encoder.block." + block + ".layer.";
            for (final String projection : new String[] {"k", "o", "q", "v"}) {
                shapes.put(prefix + "0.SelfAttention." + projection + ".weight", new long[] {CAPTION, CAPTION});
            }
            if (block == 0) {
                shapes.put(prefix + "0.SelfAttention.relative_attention_bias.weight", new long[] {RELATIVE_BUCKETS, T5_HEADS});
            }
            shapes.put(prefix + "0.layer_norm.weight", new long[] {CAPTION});
            shapes.put(prefix + "1.DenseReluDense.wi_0.weight", new long[] {T5_FEED_FORWARD, CAPTION});
            shapes.put(prefix + "1.DenseReluDense.wi_1.weight", new long[] {T5_FEED_FORWARD, CAPTION});
            shapes.put(prefix + "1.DenseReluDense.wo.weight", new long[] {CAPTION, T5_FEED_FORWARD});
            shapes.put(prefix + "1.layer_norm.weight", new long[] {CAPTION});
        }
        shapes.put("encoder.final_layer_norm.weight", new long[] {CAPTION});
        shapes.put("shared.weight", new long[] {VOCABULARY, CAPTION});
        return shapes;
    }

    private static void linear(final Map<String, long[]> shapes, final String prefix, final int out, final int in) {
        shapes.put(prefix + ".weight", new long[] {out, in});
        shapes.put(prefix + ".bias", new long[] {out});
    }

    private static void conv(final Map<String, long[]> shapes, final String prefix, final int out, final int in) {
        shapes.put(prefix + ".conv.weight", new long[] {out, in, 3, 3, 3});
        shapes.put(prefix + ".conv.bias", new long[] {out});
    }

    private static void resnet(final Map<String, long[]> shapes, final String prefix, final int channels, final boolean timestepConditioned) {
        conv(shapes, prefix + ".conv1", channels, channels);
        conv(shapes, prefix + ".conv2", channels, channels);
        if (timestepConditioned) {
            shapes.put(prefix + ".scale_shift_table", new long[] {4, channels});
        }
    }

    private static void timeEmbedder(final Map<String, long[]> shapes, final String prefix, final int width) {
        linear(shapes, prefix + ".linear_1", width, SINUSOID);
        linear(shapes, prefix + ".linear_2", width, width);
    }
}
