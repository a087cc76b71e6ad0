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

    static Value apply(final GraphBuilder g, final Value x) {
        final Value meanSquare = g.op("ReduceMean", List.of(g.mul(x, x), g.longs(1)), Attr.i("keepdims", 1));
        return g.div(x, g.op("Sqrt", g.add(meanSquare, g.scalar(EPS))));
    }
}
