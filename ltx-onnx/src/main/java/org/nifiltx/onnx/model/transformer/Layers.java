package org.nifiltx.onnx.model.transformer;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * Transformer-only helpers: checkpoint weights checked against the config's shape, and the AdaLN modulation. Linear
 * layers, norms and activations come from the shared vocabulary in {@link org.nifiltx.onnx.layers}.
 */
final class Layers {
    private Layers() {
    }

    /** A checkpoint weight under its full canonical key, checked against the shape the config implies. */
    static Value weight(final GraphBuilder graph, final WeightStore weights, final String key, final long... shape) {
        final Tensor tensor = weights.get(key, shape);
        return graph.weight(weights.prefix() + key, tensor);
    }

    /** x · (1 + scale) + shift, the AdaLN modulation. */
    static Value modulate(final GraphBuilder graph, final Value x, final Value scale, final Value shift) {
        return graph.add(graph.mul(x, graph.add(graph.scalar(1f), scale)), shift);
    }
}
