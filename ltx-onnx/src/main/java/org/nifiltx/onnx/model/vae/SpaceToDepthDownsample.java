package org.nifiltx.onnx.model.vae;

import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * Encoder {@code compress_*_res} block: space-to-depth of a causal conv (Cin → Cout/(st·sh·sw)) plus a parameter-free
 * skip (space-to-depth of the input averaged over groups of Cin·st·sh·sw/Cout channels). With a temporal stride the
 * first frame is duplicated first so 1 + 2k frames become 1 + k.
 */
final class SpaceToDepthDownsample {
    private final GraphBuilder graph;
    private final long inChannels;
    private final long outChannels;
    private final long[] stride;
    private final CausalConv3d conv;

    SpaceToDepthDownsample(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long outChannels,
            final long[] stride, final String spatialPaddingMode) {
        this.graph = graph;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.stride = stride.clone();
        this.conv = new CausalConv3d(graph, scope.scoped("conv"), inChannels, outChannels / volume(), spatialPaddingMode);
    }

    private long volume() {
        return stride[0] * stride[1] * stride[2];
    }

    /** [B, Cin, F, H, W] → [B, Cout, (F + st − 1)/st, H/sh, W/sw]. */
    Value apply(final Value input) {
        Value x = input;
        if (stride[0] == 2) {
            x = graph.concat(2, VaeOps.frames(graph, x, 0, 1), x);
        }
        final long group = inChannels * volume() / outChannels;
        final Value stacked = PixelShuffle.spaceToDepth(graph, x, inChannels, stride); // [B, Cin·vol, D, H, W]
        final Value grouped = VaeOps.reshape(graph, stacked, VaeOps.dims(graph, stacked, 0, 1),
                new long[] {outChannels, group}, VaeOps.dims(graph, stacked, 2, 5));
        final Value skip = graph.op("ReduceMean", List.of(grouped, graph.longs(2)), Attr.i("keepdims", 0));
        final Value main = PixelShuffle.spaceToDepth(graph, conv.apply(x, true), outChannels / volume(), stride);
        return graph.add(main, skip);
    }
}
