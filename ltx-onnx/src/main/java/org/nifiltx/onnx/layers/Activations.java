package org.nifiltx.onnx.layers;

import java.util.List;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/** Activations, each as the operator ONNX Runtime fuses or as standard operators for other targets. Always fp32. */
public final class Activations {
    /** sqrt(2/π), the GELU tanh-approximation constant. */
    private static final float GELU_SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_CUBIC = 0.044715f;

    private Activations() {
    }

    /** SiLU: x · sigmoid(x). */
    public static Value silu(final GraphBuilder graph, final Value x) {
        return graph.mul(x, graph.op("Sigmoid", x));
    }

    /** GELU with the tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static Value geluTanh(final GraphBuilder graph, final Value x) {
        if (graph.target() == Target.ONNX_RUNTIME) {
            return graph.op("Gelu", List.of(x), Attr.s("approximate", "tanh"));
        }
        final Value cube = graph.mul(graph.mul(x, x), x);
        final Value inner = graph.mul(graph.scalar(GELU_SQRT_2_OVER_PI), graph.add(x, graph.mul(graph.scalar(GELU_CUBIC), cube)));
        final Value onePlusTanh = graph.add(graph.scalar(1f), graph.op("Tanh", inner));
        return graph.mul(graph.mul(graph.scalar(0.5f), x), onePlusTanh);
    }

    public static Value relu(final GraphBuilder graph, final Value x) {
        return graph.op("Relu", x);
    }
}
