package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.TimestepEmbeddings;

/**
 * A {@code res_x} group: {@code num_layers} channel-preserving {@link ResnetBlock3D}s. With timestep conditioning the
 * group embeds the scaled timestep once ({@code time_embedder}, dim 4·C) and feeds it to every block.
 */
final class UNetMidBlock3D {
    private final GraphBuilder graph;
    /** Weights of the group's timestep embedding (dim 4·C), or null without conditioning. */
    private final WeightStore timeEmbedder;
    private final long channels;
    private final List<ResnetBlock3D> resBlocks = new ArrayList<>();

    UNetMidBlock3D(final GraphBuilder graph, final WeightStore scope, final long channels, final int numLayers,
            final boolean timestepConditioning, final String spatialPaddingMode) {
        this(graph, scope, channels, numLayers, timestepConditioning, false, spatialPaddingMode);
    }

    UNetMidBlock3D(final GraphBuilder graph, final WeightStore scope, final long channels, final int numLayers,
            final boolean timestepConditioning, final boolean injectNoise, final String spatialPaddingMode) {
        this.graph = graph;
        this.channels = channels;
        this.timeEmbedder = timestepConditioning ? scope.scoped("time_embedder.timestep_embedder") : null;
        for (int i = 0; i < numLayers; i++) {
            resBlocks.add(new ResnetBlock3D(graph, scope.scoped("res_blocks." + i), channels, channels,
                    timestepConditioning, injectNoise, spatialPaddingMode));
        }
    }

    /** Noise map inputs declared by the blocks (0.9.1 noise injection), in block order. */
    List<String> noiseInputs() {
        final List<String> names = new ArrayList<>();
        for (final ResnetBlock3D block : resBlocks) {
            names.addAll(block.noiseInputs());
        }
        return names;
    }

    /** [B, C, F, H, W] → same shape; {@code scaledTimestep} [B] is required with timestep conditioning. */
    Value apply(final Value x, final boolean causal, final Value scaledTimestep) {
        final Value embedding = timeEmbedder == null ? null
                : TimestepEmbeddings.embed(graph, timeEmbedder, scaledTimestep, 4 * channels);
        Value h = x;
        for (final ResnetBlock3D block : resBlocks) {
            h = block.apply(h, causal, embedding);
        }
        return h;
    }
}
