package org.nifiltx.onnx.model.upsampler;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;

/** {@code SiLU(GN₂(conv2(SiLU(GN₁(conv1(x))))) + x)} with Conv3d k3 pad 1 and 32-group GroupNorms. */
final class ResBlock {
    private ResBlock() {
    }

    /** @param weights scope {@code res_blocks.i} or {@code post_upsample_res_blocks.i} */
    static Value apply(final GraphBuilder graph, final Value x, final WeightStore weights, final int channels) {
        Value y = Conv.conv3d(graph, x, weights.scoped("conv1"), channels, channels);
        y = Activations.silu(graph, GroupNorm.apply(graph, y, weights.scoped("norm1"), channels));
        y = Conv.conv3d(graph, y, weights.scoped("conv2"), channels, channels);
        y = GroupNorm.apply(graph, y, weights.scoped("norm2"), channels);
        return Activations.silu(graph, graph.add(y, x));
    }
}
