package org.nifiltx.onnx.model.t5;

import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * T5 RMS norm: {@code w · x / sqrt(mean(x²) + eps)} over the last axis, no mean subtraction and no bias. Written as
 * Pow-ReduceMean-Add-Sqrt-Div-Mul so ONNX Runtime fuses it to SimplifiedLayerNormalization.
 */
public final class T5LayerNorm {
    private T5LayerNorm() {
    }

    /** {@code weights} holds {@code weight} [dModel]. */
    public static Value apply(final GraphBuilder graph, final Value x, final WeightStore weights, final int dModel,
            final double epsilon) {
        final Value scale = graph.weight(weights.prefix() + "weight", weights.get("weight", dModel));
        final Value variance = graph.op("ReduceMean", List.of(graph.op("Pow", x, graph.scalar(2f)), graph.longs(-1)),
                Attr.i("keepdims", 1));
        final Value normalized = graph.div(x, graph.op("Sqrt", graph.add(variance, graph.scalar((float) epsilon))));
        return graph.mul(normalized, scale);
    }
}
