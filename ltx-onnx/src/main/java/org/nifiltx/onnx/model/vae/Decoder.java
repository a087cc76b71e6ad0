package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.checkpoint.VaeDecoderPlan;
import org.nifiltx.core.checkpoint.VaeBlock;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;
import org.nifiltx.onnx.layers.TimestepEmbeddings;

/**
 * The decoder: conv_in → {@code decoder_blocks} in reverse (the last entry is the mid block, {@code up_blocks.0}) →
 * PixelNorm → (timestep modulation) → SiLU → conv_out → unpatchify. Temporal padding is causal only when
 * {@code causal_decoder} is set.
 */
final class Decoder {
    /** One up block: applied with the decoder's causality and the scaled timestep (null without conditioning). */
    private interface UpBlock {
        Value apply(Value x, boolean causal, Value scaledTimestep);
    }

    private final GraphBuilder graph;
    private final VaeConfig config;
    private final CausalConv3d convIn;
    private final List<UpBlock> upBlocks = new ArrayList<>();
    private final CausalConv3d convOut;
    /** Weights of the final timestep embedding (dim 2·C), or null without conditioning. */
    private final WeightStore lastTimeEmbedder;
    private final long lastChannels;
    private final Value lastScaleShiftTable;
    private final Value timestepScaleMultiplier;
    private final List<NoiseInput> noiseInputs = new ArrayList<>();

    /**
     * A noise map graph input of a 0.9.1 decoder: [h·spatialScale, w·spatialScale] for latents of spatial size h×w.
     *
     * @param name         graph input name
     * @param spatialScale upsampling factor between the latents and the block the noise enters
     */
    record NoiseInput(String name, long spatialScale) {
    }

    Decoder(final GraphBuilder graph, final VaeConfig config, final WeightStore weights) {
        this.graph = graph;
        this.config = config;
        Encoder.requirePixelNorm(config);
        final String padding = config.spatialPaddingMode();
        final boolean conditioned = config.timestepConditioning();
        final VaeDecoderPlan plan = VaeDecoderPlan.of(config);
        this.convIn = CausalConv3d.sensitive(graph, weights.scoped("conv_in"), config.latentChannels(),
                plan.convInChannels(), padding);
        long spatialScale = 1;
        for (final VaeDecoderPlan.Stage stage : plan.stages()) {
            final VaeBlock block = stage.block();
            final WeightStore scope = weights.scoped("up_blocks." + stage.index());
            final long in = stage.inChannels();
            switch (block.type()) {
                case "res_x" -> {
                    final UNetMidBlock3D group = new UNetMidBlock3D(graph, scope, in, block.numLayers(), conditioned,
                            block.injectNoise(), padding);
                    for (final String name : group.noiseInputs()) {
                        noiseInputs.add(new NoiseInput(name, spatialScale));
                    }
                    upBlocks.add(group::apply);
                }
                case "res_x_y" -> {
                    if (block.injectNoise()) {
                        throw new LtxException(LtxErrorCode.UNSUPPORTED,
                                "VAE decoder noise injection in a res_x_y block is not supported");
                    }
                    final ResnetBlock3D resnet = new ResnetBlock3D(graph, scope, in, stage.outChannels(), false, padding);
                    upBlocks.add((x, causal, t) -> resnet.apply(x, causal, null));
                }
                default -> {
                    // a compress block (VaeDecoderPlan rejects every other type)
                    final DepthToSpaceUpsample up = new DepthToSpaceUpsample(graph, scope, in, stage.stride(),
                            block.residual(), in / stage.outChannels(), padding);
                    upBlocks.add((x, causal, t) -> up.apply(x, causal));
                    spatialScale *= stage.stride()[1];
                }
            }
        }
        final long channels = plan.outChannels();
        final long patched = (long) config.outChannels() * config.patchSize() * config.patchSize();
        this.convOut = CausalConv3d.sensitive(graph, weights.scoped("conv_out"), channels, patched, padding);
        if (conditioned) {
            this.lastTimeEmbedder = weights.scoped("last_time_embedder.timestep_embedder");
            this.lastChannels = channels;
            this.lastScaleShiftTable = graph.weight(weights.prefix() + "last_scale_shift_table",
                    weights.get("last_scale_shift_table", 2, channels).reshape(2, channels, 1, 1, 1));
            this.timestepScaleMultiplier = graph.weight(weights.prefix() + "timestep_scale_multiplier",
                    weights.get("timestep_scale_multiplier"));
        } else {
            this.lastTimeEmbedder = null;
            this.lastChannels = channels;
            this.lastScaleShiftTable = null;
            this.timestepScaleMultiplier = null;
        }
    }

    List<NoiseInput> noiseInputs() {
        return List.copyOf(noiseInputs);
    }

    /** Raw latents [B, C, F, h, w] and decode timestep [B] (null without conditioning) → video [B, 3, F_px, H, W]. */
    Value apply(final Value latents, final Value decodeTimestep) {
        final boolean causal = config.causalDecoder();
        final Value scaled = timestepScaleMultiplier == null ? null : graph.mul(decodeTimestep, timestepScaleMultiplier);
        Value x = convIn.apply(latents, causal);
        for (final UpBlock block : upBlocks) {
            x = block.apply(x, causal, scaled);
        }
        x = PixelNorm.apply(graph, x);
        if (lastTimeEmbedder != null) {
            // [B, 2C] → [B, 2, C, 1, 1, 1] + table → shift, scale [B, C, 1, 1, 1]
            final Value embedding = TimestepEmbeddings.embed(graph, lastTimeEmbedder, scaled, 2 * lastChannels);
            final Value ada = graph.add(graph.reshape(embedding, 0, 2, lastChannels, 1, 1, 1), lastScaleShiftTable);
            final Value shift = VaeOps.pick(graph, ada, 1, 0);
            final Value scale = VaeOps.pick(graph, ada, 1, 1);
            x = graph.add(graph.mul(x, graph.add(scale, graph.scalar(1f))), shift);
        }
        x = convOut.apply(Activations.silu(graph, x), causal);
        return Patchify.unpatchify(graph, x, config.outChannels(), config.patchSize());
    }
}
