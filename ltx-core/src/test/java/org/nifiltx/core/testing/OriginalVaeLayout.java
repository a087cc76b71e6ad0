package org.nifiltx.core.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.checkpoint.VaeBlock;
import org.nifiltx.core.checkpoint.VaeConfig;

/**
 * The parameter names and shapes an original {@code CausalVideoAutoencoder} registers for a config, written by
 * walking the block lists as the original {@code Encoder}/{@code Decoder} constructors do
 * ({@code ltx_video/models/autoencoders/causal_video_autoencoder.py}): {@code make_conv_nd(causal=True)} is a
 * {@code CausalConv3d} holding {@code conv}; {@code res_x} is a {@code UNetMidBlock3D} ({@code res_blocks.j},
 * {@code time_embedder} when timestep-conditioned); {@code res_x_y} a {@code ResnetBlock3D} with {@code norm3.norm}
 * (LayerNorm wrapper) and a plain 1×1×1 {@code conv_shortcut}; encoder {@code compress_all} a strided causal conv;
 * decoder {@code compress_all} a {@code DepthToSpaceUpsample} holding {@code conv}. Keys without the {@code vae.}
 * prefix, in registration order.
 */
public final class OriginalVaeLayout {
    private static final long SINUSOID = 256;

    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    private OriginalVaeLayout() {
    }

    public static Map<String, long[]> of(final VaeConfig config) {
        final OriginalVaeLayout layout = new OriginalVaeLayout();
        layout.encoder(config);
        layout.decoder(config);
        for (final String statistic : new String[] {"channel", "mean-of-means", "std-of-means", "mean-of-stds",
                "mean-of-stds_over_std-of-means"}) {
            layout.shapes.put("per_channel_statistics." + statistic, new long[] {config.latentChannels()});
        }
        return layout.shapes;
    }

    private void encoder(final VaeConfig config) {
        long channels = config.encoderBaseChannels();
        conv3("encoder.conv_in.conv", (long) config.inChannels() * config.patchSize() * config.patchSize(), channels);
        for (int i = 0; i < config.encoderBlocks().size(); i++) {
            final VaeBlock block = config.encoderBlocks().get(i);
            final String prefix = "encoder.down_blocks." + i;
            switch (block.type()) {
                case "res_x" -> resGroup(prefix, channels, block.numLayers(), false, false);
                case "res_x_y" -> {
                    resnet(prefix, channels, channels * block.multiplier(), false, false);
                    channels *= block.multiplier();
                }
                case "compress_all" -> conv3(prefix + ".conv", channels, channels);
                default -> throw new IllegalArgumentException("not an 0.9.0/0.9.1 encoder block: " + block.type());
            }
        }
        // latent_log_var uniform: one shared log-variance channel
        conv3("encoder.conv_out.conv", channels, config.latentChannels() + 1L);
    }

    private void decoder(final VaeConfig config) {
        long channels = config.decoderBaseChannels();
        for (final VaeBlock block : config.decoderBlocks()) {
            channels *= block.type().equals("res_x_y") || block.type().startsWith("compress") ? block.multiplier() : 1;
        }
        final boolean timestep = config.timestepConditioning();
        conv3("decoder.conv_in.conv", config.latentChannels(), channels);
        final int count = config.decoderBlocks().size();
        for (int i = 0; i < count; i++) {
            final VaeBlock block = config.decoderBlocks().get(count - 1 - i);
            final String prefix = "decoder.up_blocks." + i;
            switch (block.type()) {
                case "res_x" -> resGroup(prefix, channels, block.numLayers(), block.injectNoise(), timestep);
                case "res_x_y" -> {
                    // the original passes timestep_conditioning=False to channel-changing decoder blocks
                    resnet(prefix, channels, channels / block.multiplier(), block.injectNoise(), false);
                    channels /= block.multiplier();
                }
                case "compress_all" -> {
                    conv3(prefix + ".conv.conv", channels, 8 * channels / block.multiplier());
                    channels /= block.multiplier();
                }
                default -> throw new IllegalArgumentException("not an 0.9.0/0.9.1 decoder block: " + block.type());
            }
        }
        conv3("decoder.conv_out.conv", channels, (long) config.outChannels() * config.patchSize() * config.patchSize());
        if (timestep) {
            shapes.put("decoder.timestep_scale_multiplier", new long[0]);
            embedder("decoder.last_time_embedder", 2 * channels);
            shapes.put("decoder.last_scale_shift_table", new long[] {2, channels});
        }
    }

    private void resGroup(final String prefix, final long channels, final int layers, final boolean noise,
            final boolean timestep) {
        if (timestep) {
            embedder(prefix + ".time_embedder", 4 * channels);
        }
        for (int j = 0; j < layers; j++) {
            resnet(prefix + ".res_blocks." + j, channels, channels, noise, timestep);
        }
    }

    private void resnet(final String prefix, final long in, final long out, final boolean noise, final boolean timestep) {
        conv3(prefix + ".conv1.conv", in, out);
        if (noise) {
            shapes.put(prefix + ".per_channel_scale1", new long[] {in, 1, 1});
        }
        conv3(prefix + ".conv2.conv", out, out);
        if (noise) {
            shapes.put(prefix + ".per_channel_scale2", new long[] {in, 1, 1});
        }
        if (in != out) {
            shapes.put(prefix + ".conv_shortcut.weight", new long[] {out, in, 1, 1, 1});
            shapes.put(prefix + ".conv_shortcut.bias", new long[] {out});
            shapes.put(prefix + ".norm3.norm.weight", new long[] {in});
            shapes.put(prefix + ".norm3.norm.bias", new long[] {in});
        }
        if (timestep) {
            shapes.put(prefix + ".scale_shift_table", new long[] {4, in});
        }
    }

    /** {@code PixArtAlphaCombinedTimestepSizeEmbeddings(dim, 0)}: a 256-wide sinusoid through two linears. */
    private void embedder(final String prefix, final long dim) {
        shapes.put(prefix + ".timestep_embedder.linear_1.weight", new long[] {dim, SINUSOID});
        shapes.put(prefix + ".timestep_embedder.linear_1.bias", new long[] {dim});
        shapes.put(prefix + ".timestep_embedder.linear_2.weight", new long[] {dim, dim});
        shapes.put(prefix + ".timestep_embedder.linear_2.bias", new long[] {dim});
    }

    private void conv3(final String prefix, final long in, final long out) {
        shapes.put(prefix + ".weight", new long[] {out, in, 3, 3, 3});
        shapes.put(prefix + ".bias", new long[] {out});
    }
}
