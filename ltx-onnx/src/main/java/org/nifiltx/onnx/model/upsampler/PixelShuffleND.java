package org.nifiltx.onnx.model.upsampler;

import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * The upsampling stage ({@code upsampler.0} + {@code PixelShuffleND}) of the three upsampler kinds:
 * <ul>
 * <li>spatial ×2: per frame, Conv2d C→4C k3 pad 1, then a 2-D pixel shuffle where channel {@code c·4 + p1·2 + p2}
 * moves to (2h + p1, 2w + p2), which is DepthToSpace in CRD mode;</li>
 * <li>temporal ×2 and spatio-temporal ×2: Conv3d C→2C (or 8C) k3 pad 1 over the whole clip, a 1-D (3-D) pixel shuffle
 * where channel {@code c·r_t·r_h·r_w + (i_t·r_h + i_h)·r_w + i_w} moves to (r_t·f + i_t, r_h·y + i_h, r_w·x + i_w),
 * then the first frame is dropped (F → 2F − 1), as the reference's {@code x[:, :, 1:]}.</li>
 * </ul>
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

    /** [B, C, F, h, w] → [B, C, 2F − 1, s·h, s·w] with s = 2 when {@code spatial}, else 1. */
    static Value temporalUpsample(final GraphBuilder graph, final Value x, final WeightStore weights, final int channels,
            final boolean spatial) {
        final long rs = spatial ? FACTOR : 1;
        final long[] factors = {FACTOR, rs, rs};
        final Value expanded = Conv.conv3d(graph, x, weights, channels, (int) (FACTOR * rs * rs) * channels);
        final Value shape = graph.op("Shape", expanded);
        final Value batch = graph.slice(shape, 0, 0, 1);
        final Value grid = graph.slice(shape, 0, 2, 5);
        // [B, C·r_t·r_h·r_w, F, h, w] -> [B, C, r_t, r_h, r_w, F, h, w] -> [B, C, F, r_t, h, r_h, w, r_w] -> [B, C, r_t·F, ...]
        final Value split = graph.op("Reshape", expanded, graph.concat(0, batch, graph.longs(channels, FACTOR, rs, rs), grid));
        final Value interleaved = graph.transpose(split, 0, 1, 5, 2, 6, 3, 7, 4);
        final Value shuffled = graph.op("Reshape", interleaved,
                graph.concat(0, batch, graph.longs(channels), graph.op("Mul", grid, graph.longs(factors))));
        return graph.slice(shuffled, 2, 1, Long.MAX_VALUE);
    }
}
