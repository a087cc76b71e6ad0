package org.nifiltx.onnx.model.vae;

import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * 3-D pixel shuffle and its inverse with channel order {@code (c, p1, p2, p3)}, c major:
 * channel {@code c·p1p2p3 + i·p2p3 + j·p3 + k} ↔ position {@code (p1·d + i, p2·h + j, p3·w + k)}.
 */
final class PixelShuffle {
    private PixelShuffle() {
    }

    /** [B, C·p1p2p3, D, H, W] → [B, C, D·p1, H·p2, W·p3]. */
    static Value depthToSpace(final GraphBuilder graph, final Value x, final long channels, final long[] factors) {
        final Value batch = VaeOps.dims(graph, x, 0, 1);
        final Value sizes = VaeOps.dims(graph, x, 2, 5);
        // [B, C, p1, p2, p3, D, H, W] → [B, C, D, p1, H, p2, W, p3]
        final Value split = VaeOps.reshape(graph, x, batch, new long[] {channels, factors[0], factors[1], factors[2]},
                sizes);
        final Value interleaved = graph.transpose(split, 0, 1, 5, 2, 6, 3, 7, 4);
        return VaeOps.reshape(graph, interleaved, batch, new long[] {channels}, graph.mul(sizes, graph.longs(factors)));
    }

    /** [B, C, D·p1, H·p2, W·p3] → [B, C·p1p2p3, D, H, W]. */
    static Value spaceToDepth(final GraphBuilder graph, final Value x, final long channels, final long[] factors) {
        final Value batch = VaeOps.dims(graph, x, 0, 1);
        final Value sizes = graph.div(VaeOps.dims(graph, x, 2, 5), graph.longs(factors));
        // [B, C, D, p1, H, p2, W, p3] → [B, C, p1, p2, p3, D, H, W]
        final Value split = VaeOps.reshape(graph, x, batch, new long[] {channels},
                VaeOps.element(graph, sizes, 0), new long[] {factors[0]},
                VaeOps.element(graph, sizes, 1), new long[] {factors[1]},
                VaeOps.element(graph, sizes, 2), new long[] {factors[2]});
        final Value grouped = graph.transpose(split, 0, 1, 3, 5, 7, 2, 4, 6);
        return VaeOps.reshape(graph, grouped, batch, new long[] {channels * factors[0] * factors[1] * factors[2]}, sizes);
    }
}
