package org.nifiltx.onnx.model.vae;

import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * Spatial patchify with the reference channel order {@code (c, r, q)}: width offset r before height offset q,
 * {@code x[b, c, f, p·i + q, p·j + r] ↔ y[b, c·p² + r·p + q, f, i, j]}. Unpatchify is the exact inverse.
 */
final class Patchify {
    private Patchify() {
    }

    /** [B, C, F, H, W] → [B, C·p², F, H/p, W/p]. */
    static Value patchify(final GraphBuilder graph, final Value x, final long channels, final long patch) {
        if (patch == 1) {
            return x;
        }
        final Value batch = VaeOps.dims(graph, x, 0, 1);
        final Value sizes = graph.div(VaeOps.dims(graph, x, 2, 5), graph.longs(1, patch, patch)); // F, H/p, W/p
        // [B, C, F, i, q, j, r] → [B, C, r, q, F, i, j]
        final Value split = VaeOps.reshape(graph, x, batch, new long[] {channels}, VaeOps.element(graph, sizes, 0),
                VaeOps.element(graph, sizes, 1), new long[] {patch}, VaeOps.element(graph, sizes, 2), new long[] {patch});
        final Value moved = graph.transpose(split, 0, 1, 6, 4, 2, 3, 5);
        return VaeOps.reshape(graph, moved, batch, new long[] {channels * patch * patch}, sizes);
    }

    /** [B, C·p², F, h, w] → [B, C, F, h·p, w·p]. */
    static Value unpatchify(final GraphBuilder graph, final Value y, final long channels, final long patch) {
        if (patch == 1) {
            return y;
        }
        final Value batch = VaeOps.dims(graph, y, 0, 1);
        final Value sizes = VaeOps.dims(graph, y, 2, 5);
        // [B, C, r, q, F, i, j] → [B, C, F, i, q, j, r]
        final Value split = VaeOps.reshape(graph, y, batch, new long[] {channels, patch, patch}, sizes);
        final Value moved = graph.transpose(split, 0, 1, 4, 5, 3, 6, 2);
        return VaeOps.reshape(graph, moved, batch, new long[] {channels}, graph.mul(sizes, graph.longs(1, patch, patch)));
    }
}
