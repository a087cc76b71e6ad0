package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nifiltx.core.checkpoint.VaeBlock;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;

/**
 * The causal encoder: patchify → conv_in → {@code encoder_blocks} → PixelNorm → SiLU → conv_out. Every conv is causal.
 * The output holds the posterior mean in its first {@code latent_channels} channels and the log-variance after them.
 */
final class Encoder {
    private final GraphBuilder graph;
    private final VaeConfig config;
    private final CausalConv3d convIn;
    private final List<UnaryOperator<Value>> downBlocks = new ArrayList<>();
    private final CausalConv3d convOut;

    Encoder(final GraphBuilder graph, final VaeConfig config, final WeightStore weights) {
        this.graph = graph;
        this.config = config;
        requirePixelNorm(config);
        final String padding = config.spatialPaddingMode();
        final long patched = (long) config.inChannels() * config.patchSize() * config.patchSize();
        long channels = config.encoderBaseChannels();
        this.convIn = CausalConv3d.sensitive(graph, weights.scoped("conv_in"), patched, channels, padding);
        for (int i = 0; i < config.encoderBlocks().size(); i++) {
            final VaeBlock block = config.encoderBlocks().get(i);
            final WeightStore scope = weights.scoped("down_blocks." + i);
            final long in = channels;
            switch (block.type()) {
                case "res_x" -> {
                    final UNetMidBlock3D group = new UNetMidBlock3D(graph, scope, in, block.numLayers(), false, padding);
                    downBlocks.add(x -> group.apply(x, true, null));
                }
                case "res_x_y" -> {
                    channels = in * block.multiplier();
                    final ResnetBlock3D resnet = new ResnetBlock3D(graph, scope, in, channels, false, padding);
                    downBlocks.add(x -> resnet.apply(x, true, null));
                }
                case "compress_time", "compress_space", "compress_all", "compress_all_x_y" -> {
                    if (block.type().equals("compress_all_x_y")) {
                        channels = in * block.multiplier();
                    }
                    final CausalConv3d conv = new CausalConv3d(graph, scope, in, channels, block.stride(), padding);
                    downBlocks.add(x -> conv.apply(x, true));
                }
                case "compress_time_res", "compress_space_res", "compress_all_res" -> {
                    channels = in * block.multiplier();
                    final SpaceToDepthDownsample down = new SpaceToDepthDownsample(graph, scope, in, channels,
                            block.stride(), padding);
                    downBlocks.add(down::apply);
                }
                default -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                        "VAE encoder block '" + block.type() + "' is not supported");
            }
        }
        this.convOut = CausalConv3d.sensitive(graph, weights.scoped("conv_out"), channels, outputChannels(config), padding);
    }

    /** Channels of conv_out: the mean plus the log-variance channels {@code latent_log_var} asks for. */
    static long outputChannels(final VaeConfig config) {
        final long latent = config.latentChannels();
        return switch (config.latentLogVar()) {
            case "per_channel" -> 2 * latent;
            case "uniform", "constant" -> latent + 1;
            default -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                    "VAE latent_log_var '" + config.latentLogVar() + "' is not supported (per_channel, uniform, constant)");
        };
    }

    /** Stride of a compress block in (time, height, width). */
    static void requirePixelNorm(final VaeConfig config) {
        if (!config.normLayer().equals("pixel_norm")) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED,
                    "VAE norm_layer '" + config.normLayer() + "' is not supported (pixel_norm)");
        }
    }

    /** Video [B, 3, F, H, W] in [−1, 1] → conv_out moments [B, outputChannels, F', H/32, W/32]. */
    Value apply(final Value video) {
        Value x = Patchify.patchify(graph, video, config.inChannels(), config.patchSize());
        x = convIn.apply(x, true);
        for (final UnaryOperator<Value> block : downBlocks) {
            x = block.apply(x);
        }
        x = Activations.silu(graph, PixelNorm.apply(graph, x));
        return convOut.apply(x, true);
    }
}
