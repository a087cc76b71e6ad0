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
    static Value depthToSpace(final GraphBuilder g, final Value x, final long channels, final long[] factors) {
        final Value batch = VaeOps.dims(g, x, 0, 1);
        final Value sizes = VaeOps.dims(g, x, 2, 5);
        // [B, C, p1, p2, p3, D, H, W] → [B, C, D, p1, H, p2, W, p3]
        final Value split = VaeOps.reshape(g, x, batch, new long[] {channels, factors[0], factors[1], factors[2]}, sizes);
        final Value interleaved = g.transpose(split, 0, 1, 5, 2, 6, 3, 7, 4);
        return VaeOps.reshape(g, interleaved, batch, new long[] {channels}, g.mul(sizes, g.longs(factors)));
    }

    /** [B, C, D·p1, H·p2, W·p3] → [B, C·p1p2p3, D, H, W]. */
    static Value spaceToDepth(final GraphBuilder g, final Value x, final long channels, final long[] factors) {
        final Value batch = VaeOps.dims(g, x, 0, 1);
        final Value sizes = g.div(VaeOps.dims(g, x, 2, 5), g.longs(factors));
        // [B, C, D, p1, H, p2, W, p3] → [B, C, p1, p2, p3, D, H, W]
        final Value split = VaeOps.reshape(g, x, batch, new long[] {channels}, VaeOps.element(g, sizes, 0),
                new long[] {factors[0]}, VaeOps.element(g, sizes, 1), new long[] {factors[1]}, VaeOps.element(g, sizes, 2),
                new long[] {factors[2]});
        final Value grouped = g.transpose(split, 0, 1, 3, 5, 7, 2, 4, 6);
        return VaeOps.reshape(g, grouped, batch, new long[] {channels * factors[0] * factors[1] * factors[2]}, sizes);
    }
}
