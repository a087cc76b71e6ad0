package org.nifiltx.onnx.model.transformer;

import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;
import org.nifiltx.onnx.layers.Linear;

/** {@code caption_projection}: text encoder states [B,L,caption_channels] → [B,L,D] via linear_1, GELU-tanh, linear_2. */
final class CaptionProjection {
    private CaptionProjection() {
    }

    static Value build(final GraphBuilder graph, final WeightStore weights, final TransformerConfig config, final Value caption) {
        final int innerDim = config.innerDim();
        final Value hidden = Activations.geluTanh(graph,
                Linear.apply(graph, weights, "linear_1", caption, innerDim, config.captionChannels(), Linear.Role.SENSITIVE));
        return Linear.apply(graph, weights, "linear_2", hidden, innerDim, innerDim, Linear.Role.SENSITIVE);
    }
}
