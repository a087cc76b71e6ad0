package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * Small graph helpers shared by the VAE blocks: reshapes whose batch, frame and spatial sizes are only known
 * at run time (the graphs keep B, F, H, W symbolic), so target shapes are assembled from {@code Shape} slices.
 */
final class VaeOps {
    /** End index for "to the end of the axis" in a Slice. */
    static final long TO_END = Long.MAX_VALUE;

    private VaeOps() {
    }

    /** Dimensions {@code [start, end)} of {@code x} as a 1-D int64 value. */
    static Value dims(final GraphBuilder graph, final Value x, final int start, final int end) {
        return graph.op("Shape", List.of(x), Attr.i("start", start), Attr.i("end", end));
    }

    /** Element {@code index} of a 1-D int64 value, kept 1-D (length 1) for concatenation. */
    static Value element(final GraphBuilder graph, final Value vector, final int index) {
        return graph.slice(vector, 0, index, index + 1);
    }

    /** Reshape to the concatenation of {@code parts}: each a 1-D int64 value or a {@code long[]} of fixed sizes. */
    static Value reshape(final GraphBuilder graph, final Value x, final Object... parts) {
        final List<Value> pieces = new ArrayList<>();
        for (final Object part : parts) {
            pieces.add(part instanceof Value v ? v : graph.longs((long[]) part));
        }
        final Value shape = pieces.size() == 1 ? pieces.get(0) : graph.concat(0, pieces.toArray(new Value[0]));
        return graph.op("Reshape", x, shape);
    }

    /** Frames {@code [start, end)} along the time axis (2) of a [B, C, F, H, W] tensor. */
    static Value frames(final GraphBuilder graph, final Value x, final long start, final long end) {
        return graph.slice(x, 2, start, end);
    }

    /** Index {@code index} of {@code axis}, the axis removed (Gather with a scalar index). */
    static Value pick(final GraphBuilder graph, final Value x, final long axis, final long index) {
        final Value scalarIndex = graph.initializer(graph.fresh("index"), Tensor.ofLongs(new long[0], new long[] {index}));
        return graph.op("Gather", List.of(x, scalarIndex), Attr.i("axis", axis));
    }
}
