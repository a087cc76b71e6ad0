package org.nifiltx.onnx.layers;

import java.util.Arrays;
import java.util.List;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/** Normalizations, always fp32 (their reductions are where low precision hurts most). */
public final class Norms {
    private Norms() {
    }

    /** y = x · rsqrt(mean(x², last axis) + eps) [· weight]; weight may be null (no affine). */
    public static Value rmsNorm(final GraphBuilder graph, final Value x, final Value weight, final int dim, final double eps) {
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
    public static Value layerNorm(final GraphBuilder graph, final Value x, final int dim, final double eps) {
        return graph.op("LayerNormalization", List.of(x, ones(graph, dim)), Attr.i("axis", -1), Attr.f("epsilon", (float) eps));
    }

    public static Value ones(final GraphBuilder graph, final int dim) {
        final float[] values = new float[dim];
        Arrays.fill(values, 1f);
        return graph.constant(new long[] {dim}, values);
    }
}
