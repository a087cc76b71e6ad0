package org.nifiltx.onnx.layers;

import java.util.List;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * An N-d convolution (PyTorch Conv2d/Conv3d: weight [out, in, k...], bias [out]) in the graph's precision. Padding is
 * the caller's: explicit {@code pads} here, replicate/reflect padding as a Pad node before.
 */
public final class Conv {
    private Conv() {
    }

    /**
     * @param fullKey  the weight's checkpoint key (also the cache key of its reduced forms)
     * @param weight   [out, in, k...]
     * @param bias     [out] as a graph value, or null
     * @param pads     ONNX pads (begin values then end values), or all zeros
     * @param strides  per spatial axis
     */
    public static Value apply(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final long[] pads, final long[] strides) {
        final long[] kernel = new long[weight.rank() - 2];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = weight.dim(i + 2);
        }
        final Value w = graph.weight(fullKey, weight);
        final List<Value> inputs = bias == null ? List.of(x, w) : List.of(x, w, bias);
        return graph.op("Conv", inputs, Attr.ints("kernel_shape", kernel), Attr.ints("pads", pads),
                Attr.ints("strides", strides));
    }
}
