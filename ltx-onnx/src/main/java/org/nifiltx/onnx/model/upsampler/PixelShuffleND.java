package org.nifiltx.onnx.model.upsampler;

import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * The spatial ×2 upsampler: per frame, Conv2d C→4C k3 pad 1 ({@code upsampler.0}) then a 2-D pixel shuffle where
 * channel {@code c·4 + p1·2 + p2} moves to (2h + p1, 2w + p2), which is DepthToSpace in CRD mode.
 */
final class PixelShuffleND {
    static final int FACTOR = 2;

    private PixelShuffleND() {
    }

    /** [B, C, F, h, w] → [B, C, F, 2h, 2w]; {@code weights} is the {@code upsampler.0} scope. */
    static Value spatialUpsample(final GraphBuilder graph, final Value x, final WeightStore weights, final int channels) {
        // frames become batch entries: [B, F, C, h, w] -> [B·F, C, h, w]
        final Value framesFirst = graph.transpose(x, 0, 2, 1, 3, 4);
        final Value framesShape = graph.op("Shape", framesFirst);
        final Value frames = graph.op("Reshape", framesFirst,
                graph.concat(0, graph.longs(-1), graph.slice(framesShape, 0, 2, 5)));
        final Value expanded = Conv.conv2d(graph, frames, weights, channels, FACTOR * FACTOR * channels);
        final Value shuffled = graph.op("DepthToSpace", List.of(expanded), Attr.i("blocksize", FACTOR), Attr.s("mode", "CRD"));
        // [B·F, C, 2h, 2w] -> [B, F, C, 2h, 2w] -> [B, C, F, 2h, 2w]
        final Value batchFrames = graph.slice(framesShape, 0, 0, 2);
        final Value perFrame = graph.slice(graph.op("Shape", shuffled), 0, 1, 4);
        final Value unflattened = graph.op("Reshape", shuffled, graph.concat(0, batchFrames, perFrame));
        return graph.transpose(unflattened, 0, 2, 1, 3, 4);
    }
}
