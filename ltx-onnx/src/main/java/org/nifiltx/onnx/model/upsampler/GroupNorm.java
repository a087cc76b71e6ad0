package org.nifiltx.onnx.model.upsampler;

import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * PyTorch GroupNorm with affine weight and bias over [B, C, ...]: statistics per (batch, group) over the group's
 * channels and every spatial/temporal position; two-pass (mean, then mean of squared deviations) like PyTorch.
 */
final class GroupNorm {
    /** The reference hard-codes 32 groups for every norm of the latent upsampler. */
    static final int GROUPS = 32;
    static final float EPSILON = 1e-5f;

    private GroupNorm() {
    }

    /** @param weights scope holding {@code weight} [channels] and {@code bias} [channels] */
    static Value apply(final GraphBuilder graph, final Value x, final WeightStore weights, final int channels) {
        if (channels % GROUPS != 0) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "latent upsampler norm '" + weights.prefix()
                    + "' has " + channels + " channels, not a multiple of the " + GROUPS + " GroupNorm groups");
        }
        final Value scale = graph.reshape(graph.weight(weights.prefix() + "weight", weights.get("weight", channels)),
                channels, 1, 1, 1);
        final Value shift = graph.reshape(graph.weight(weights.prefix() + "bias", weights.get("bias", channels)),
                channels, 1, 1, 1);
        // [B, C, F, H, W] -> [B, groups, C/groups·F·H·W]
        final Value grouped = graph.reshape(x, 0, GROUPS, -1);
        final Value mean = graph.op("ReduceMean", List.of(grouped, graph.longs(2)), Attr.i("keepdims", 1));
        final Value centered = graph.sub(grouped, mean);
        final Value variance = graph.op("ReduceMean", List.of(graph.mul(centered, centered), graph.longs(2)),
                Attr.i("keepdims", 1));
        final Value normalized = graph.div(centered, graph.op("Sqrt", graph.add(variance, graph.scalar(EPSILON))));
        final Value restored = graph.op("Reshape", normalized, graph.op("Shape", x));
        return graph.add(graph.mul(restored, scale), shift);
    }
}
