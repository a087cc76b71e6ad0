package org.nifiltx.onnx.model.vae;

import java.util.List;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/** {@code x / sqrt(mean over channels of x² + eps)} per position, computed in place on [B, C, F, H, W] (no transposes). */
final class PixelNorm {
    private static final float EPS = 1e-8f;

    private PixelNorm() {
    }

    static Value apply(final GraphBuilder graph, final Value x) {
        final Value meanSquare = graph.op("ReduceMean", List.of(graph.mul(x, x), graph.longs(1)), Attr.i("keepdims", 1));
        return graph.div(x, graph.op("Sqrt", graph.add(meanSquare, graph.scalar(EPS))));
    }
}
