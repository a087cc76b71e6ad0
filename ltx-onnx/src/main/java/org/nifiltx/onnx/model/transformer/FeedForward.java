package org.nifiltx.onnx.model.transformer;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;
import org.nifiltx.onnx.layers.Linear;

/** {@code ff}: net.0.proj (D → Dff), GELU-tanh, net.2 (Dff → D); Dff is read from the checkpoint weight. */
final class FeedForward {
    private FeedForward() {
    }

    static Value build(final GraphBuilder graph, final WeightStore weights, final int innerDim, final Value x) {
        // 4 × D in every LTX checkpoint; when the weight is missing, the Linear below names it
        final long hiddenDim = weights.dim("net.0.proj.weight", 0, 4L * innerDim);
        final Value hidden = Activations.geluTanh(graph,
                Linear.apply(graph, weights, "net.0.proj", x, hiddenDim, innerDim, Linear.Role.BULK));
        return Linear.apply(graph, weights, "net.2", hidden, innerDim, hiddenDim, Linear.Role.BULK);
    }
}
