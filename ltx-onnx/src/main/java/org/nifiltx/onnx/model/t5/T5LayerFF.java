package org.nifiltx.onnx.model.t5;

import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/** Pre-norm residual feed-forward sub-layer: {@code h + DenseReluDense(T5LayerNorm(h))}. */
public final class T5LayerFF {
    private T5LayerFF() {
    }

    /** @param weights scope {@code encoder.block.i.layer.1} */
    public static Value apply(final GraphBuilder graph, final Value hidden, final T5Config config, final WeightStore weights) {
        final Value normed = T5LayerNorm.apply(graph, hidden, weights.scoped("layer_norm"), config.dModel(),
                config.layerNormEpsilon());
        return graph.add(hidden, T5DenseGatedActDense.apply(graph, normed, config, weights.scoped("DenseReluDense")));
    }
}
