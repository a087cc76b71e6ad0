package org.nifiltx.onnx.model.t5;

import java.util.List;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Linear;

/**
 * T5 self-attention without biases and without 1/√d scaling (T5 folds it into the weight initialisation); the
 * position bias (with the padding mask already added) is added to the raw scores.
 */
public final class T5Attention {
    private T5Attention() {
    }

    /**
     * @param x            [B, L, dModel]
     * @param positionBias [1 or B, heads, L, L]
     * @param weights      scope {@code encoder.block.i.layer.0.SelfAttention}
     * @return [B, L, dModel]
     */
    public static Value apply(final GraphBuilder graph, final Value x, final Value positionBias, final T5Config config,
            final WeightStore weights) {
        final int heads = config.numHeads();
        final int inner = heads * config.dKv();
        final Value query = heads(graph, projection(graph, x, weights, "q", inner, config.dModel()), heads, config.dKv(), 0, 2, 1, 3);
        final Value keyTransposed = heads(graph, projection(graph, x, weights, "k", inner, config.dModel()), heads, config.dKv(), 0, 2, 3, 1);
        final Value value = heads(graph, projection(graph, x, weights, "v", inner, config.dModel()), heads, config.dKv(), 0, 2, 1, 3);
        final Value scores = graph.add(graph.matMul(query, keyTransposed), positionBias);
        final Value probabilities = graph.op("Softmax", List.of(scores), Attr.i("axis", -1));
        // [B, heads, L, dKv] -> [B, L, inner]
        final Value context = graph.reshape(graph.transpose(graph.matMul(probabilities, value), 0, 2, 1, 3), 0, 0, inner);
        return projection(graph, context, weights, "o", config.dModel(), inner);
    }

    private static Value projection(final GraphBuilder graph, final Value x, final WeightStore weights, final String name,
            final int out, final int in) {
        return Linear.apply(graph, weights, name, x, out, in, Linear.Role.BULK);
    }

    /** [B, L, heads·dKv] -> [B, L, heads, dKv] -> permuted. */
    private static Value heads(final GraphBuilder graph, final Value x, final int heads, final int dKv, final long... perm) {
        return graph.transpose(graph.reshape(x, 0, 0, heads, dKv), perm);
    }
}
