package org.nifiltx.onnx.model.t5;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Norms;

/**
 * T5 RMS norm: {@code w · x / sqrt(mean(x²) + eps)} over the last axis, no mean subtraction and no bias: the shared
 * {@link Norms#rmsNorm} (ONNX Runtime's SimplifiedLayerNormalization).
 */
public final class T5LayerNorm {
    private T5LayerNorm() {
    }

    /** {@code weights} holds {@code weight} [dModel]. */
    public static Value apply(final GraphBuilder graph, final Value x, final WeightStore weights, final int dModel,
            final double epsilon) {
        final Value scale = graph.weight(weights.prefix() + "weight", weights.get("weight", dModel));
        return Norms.rmsNorm(graph, x, scale, dModel, epsilon);
    }
}
