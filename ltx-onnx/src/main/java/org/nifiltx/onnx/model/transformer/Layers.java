package org.nifiltx.onnx.model.transformer;

import java.util.Arrays;
import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/**
 * Small operations shared by the transformer blocks (linear, RMSNorm, GELU-tanh, SiLU), each emitted as the fused
 * ONNX Runtime operator or as standard operators depending on the builder's {@link Target}.
 */
final class Layers {
    /** sqrt(2/π), the GELU tanh-approximation constant. */
    private static final float GELU_SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_CUBIC = 0.044715f;

    private Layers() {
    }

    /** A checkpoint weight under its full canonical key, checked against the shape the config implies. */
    static Value weight(final GraphBuilder graph, final WeightStore weights, final String key, final long... shape) {
        final Tensor tensor = weights.get(key, shape);
        return graph.weight(weights.prefix() + key, tensor);
    }

    /** {@code name.weight} [out, in] and {@code name.bias} [out] applied to x [..., in] → [..., out]. */
    static Value linear(final GraphBuilder graph, final WeightStore weights, final String name, final Value x,
            final long out, final long in) {
        return graph.linear(x, weight(graph, weights, name + ".weight", out, in), weight(graph, weights, name + ".bias", out));
    }

    /** y = x · rsqrt(mean(x², last axis) + eps) [· weight]; weight may be null (no affine). */
    static Value rmsNorm(final GraphBuilder graph, final Value x, final Value weight, final int dim, final double eps) {
        if (graph.target() == Target.ONNX_RUNTIME) {
            // ORT's fused kernel needs a scale input: ones where the norm has no weight
            final Value scale = weight != null ? weight : ones(graph, dim);
            return graph.op("SimplifiedLayerNormalization", List.of(x, scale), Attr.i("axis", -1),
                    Attr.f("epsilon", (float) eps));
        }
        final Value meanSquare = graph.op("ReduceMean", List.of(graph.mul(x, x), graph.longs(-1)), Attr.i("keepdims", 1));
        final Value normalized = graph.div(x, graph.op("Sqrt", graph.add(meanSquare, graph.scalar((float) eps))));
        return weight == null ? normalized : graph.mul(normalized, weight);
    }

    /** LayerNorm over the last axis without affine parameters (standard operator on both targets). */
    static Value layerNorm(final GraphBuilder graph, final Value x, final int dim, final double eps) {
        return graph.op("LayerNormalization", List.of(x, ones(graph, dim)), Attr.i("axis", -1), Attr.f("epsilon", (float) eps));
    }

    /** GELU with the tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static Value geluTanh(final GraphBuilder graph, final Value x) {
        if (graph.target() == Target.ONNX_RUNTIME) {
            return graph.op("Gelu", List.of(x), Attr.s("approximate", "tanh"));
        }
        final Value cube = graph.mul(graph.mul(x, x), x);
        final Value inner = graph.mul(graph.scalar(GELU_SQRT_2_OVER_PI), graph.add(x, graph.mul(graph.scalar(GELU_CUBIC), cube)));
        final Value onePlusTanh = graph.add(graph.scalar(1f), graph.op("Tanh", inner));
        return graph.mul(graph.mul(graph.scalar(0.5f), x), onePlusTanh);
    }

    /** SiLU: x · sigmoid(x). */
    static Value silu(final GraphBuilder graph, final Value x) {
        return graph.mul(x, graph.op("Sigmoid", x));
    }

    /** x · (1 + scale) + shift, the AdaLN modulation. */
    static Value modulate(final GraphBuilder graph, final Value x, final Value scale, final Value shift) {
        return graph.add(graph.mul(x, graph.add(graph.scalar(1f), scale)), shift);
    }

    static Value ones(final GraphBuilder graph, final int dim) {
        final float[] values = new float[dim];
        Arrays.fill(values, 1f);
        return graph.constant(new long[] {dim}, values);
    }
}
