package org.nifiltx.onnx.model.transformer;

import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;
import org.nifiltx.onnx.layers.Linear;
import org.nifiltx.onnx.layers.TimestepEmbeddings;

/**
 * {@code adaln_single} (timeEmbed): timestep × timestep_scale_multiplier → embedded timestep e [B,T,D] →
 * {@code linear(SiLU(e))} = the six per-block modulation vectors [B,T,6D]. T is 1 (one timestep per batch item) or
 * N (per-token timesteps); everything downstream broadcasts over it.
 */
final class AdaLayerNormSingle {
    /** Modulation vectors per block: shift/scale/gate for attention and for the feed-forward. */
    static final int MODULATION_COUNT = 6;

    /** @param modulation [B,T,6D]; @param embeddedTimestep [B,T,D], used again by the final scale-shift */
    record Output(Value modulation, Value embeddedTimestep) {
    }

    private AdaLayerNormSingle() {
    }

    static Output build(final GraphBuilder graph, final WeightStore weights, final TransformerConfig config,
            final Value timestep) {
        final int innerDim = config.innerDim();
        final Value scaled = graph.mul(timestep, graph.scalar((float) config.timestepScaleMultiplier()));
        final Value embedded = TimestepEmbeddings.embed(graph, weights.scoped("emb.timestep_embedder"), scaled, innerDim);
        final Value modulation = Linear.apply(graph, weights, "linear", Activations.silu(graph, embedded),
                (long) MODULATION_COUNT * innerDim, innerDim, Linear.Role.SENSITIVE);
        return new Output(modulation, embedded);
    }
}
