package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * Decoder upsampler: pixel shuffle of a conv (C → st·sh·sw·C/m), dropping the first frame after a temporal ×2. With
 * {@code residual} the pixel-shuffled input (C → C/(st·sh·sw)), tiled st·sh·sw/m times along channels, is added.
 * Frames T → st·T − (st − 1), channels C → C/m.
 */
final class DepthToSpaceUpsample {
    private final GraphBuilder graph;
    private final long inChannels;
    private final long[] stride;
    private final boolean residual;
    private final long reduction;
    private final CausalConv3d conv;

    DepthToSpaceUpsample(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long[] stride,
            final boolean residual, final long reduction, final String spatialPaddingMode) {
        this.graph = graph;
        this.inChannels = inChannels;
        this.stride = stride.clone();
        this.residual = residual;
        this.reduction = reduction;
        this.conv = new CausalConv3d(graph, scope.scoped("conv"), inChannels, volume() * inChannels / reduction,
                spatialPaddingMode);
    }

    private long volume() {
        return stride[0] * stride[1] * stride[2];
    }

    long outChannels() {
        return inChannels / reduction;
    }

    /** [B, C, T, H, W] → [B, C/m, st·T − (st − 1), sh·H, sw·W]. */
    Value apply(final Value x, final boolean causal) {
        Value main = PixelShuffle.depthToSpace(graph, conv.apply(x, causal), outChannels(), stride);
        if (stride[0] == 2) {
            main = VaeOps.frames(graph, main, 1, VaeOps.TO_END);
        }
        if (!residual) {
            return main;
        }
        Value skip = PixelShuffle.depthToSpace(graph, x, inChannels / volume(), stride);
        final long repeats = volume() / reduction;
        if (repeats > 1) {
            skip = graph.op("Tile", skip, graph.longs(1, repeats, 1, 1, 1));
        }
        if (stride[0] == 2) {
            skip = VaeOps.frames(graph, skip, 1, VaeOps.TO_END);
        }
        return graph.add(main, skip);
    }
}
