package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Conv;
import org.nifiltx.onnx.layers.Linear;

/**
 * 3×3×3 convolution whose time padding replicates frames (causal: the first frame twice before; otherwise the first
 * frame before and the last after) and whose spatial padding follows {@code spatial_padding_mode}. Weights
 * {@code <scope>.conv.weight} [out, in, 3, 3, 3] and {@code <scope>.conv.bias} [out]; the convolution itself is
 * {@link Conv#apply} (int8 where the graph's policy says so and the layer is big enough).
 */
final class CausalConv3d {
    private static final long KERNEL = 3;

    private final GraphBuilder graph;
    private final String weightKey;
    private final Tensor weight;
    private final Value bias;
    private final long[] stride;
    private final String spatialPaddingMode;
    private final Linear.Role role;

    CausalConv3d(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long outChannels,
            final long[] stride, final String spatialPaddingMode) {
        this(graph, scope, inChannels, outChannels, stride, spatialPaddingMode, Linear.Role.BULK);
    }

    /** {@code role} {@link Linear.Role#SENSITIVE} keeps the conv fp32 in int8 graphs (conv_in, conv_out). */
    CausalConv3d(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long outChannels,
            final long[] stride, final String spatialPaddingMode, final Linear.Role role) {
        this.graph = graph;
        this.role = role;
        final WeightStore conv = scope.scoped("conv");
        this.weightKey = conv.prefix() + "weight";
        this.weight = conv.get("weight", outChannels, inChannels, KERNEL, KERNEL, KERNEL);
        this.bias = graph.weight(conv.prefix() + "bias", conv.get("bias", outChannels));
        this.stride = stride.clone();
        this.spatialPaddingMode = spatialPaddingMode;
        if (!List.of("zeros", "reflect", "replicate", "circular").contains(spatialPaddingMode)) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "VAE spatial_padding_mode '" + spatialPaddingMode
                    + "' is not supported (allowed: zeros, reflect, replicate, circular)");
        }
    }

    CausalConv3d(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long outChannels,
            final String spatialPaddingMode) {
        this(graph, scope, inChannels, outChannels, new long[] {1, 1, 1}, spatialPaddingMode);
    }

    /** A model's first or last conv: fp32 in every precision (see {@link Linear.Role#SENSITIVE}). */
    static CausalConv3d sensitive(final GraphBuilder graph, final WeightStore scope, final long inChannels,
            final long outChannels, final String spatialPaddingMode) {
        return new CausalConv3d(graph, scope, inChannels, outChannels, new long[] {1, 1, 1}, spatialPaddingMode,
                Linear.Role.SENSITIVE);
    }

    /** [B, Cin, F, H, W] → [B, Cout, F / st, H / sh, W / sw]. */
    Value apply(final Value x, final boolean causal) {
        final long before = causal ? KERNEL - 1 : (KERNEL - 1) / 2;
        final long after = causal ? 0 : (KERNEL - 1) / 2;
        final long half = KERNEL / 2;
        final UnaryOperator<Value> padding;
        final long[] convPads;
        if (spatialPaddingMode.equals("replicate")) {
            // Time and space both replicate edges: one Pad node.
            padding = v -> pad(v, "edge", new long[] {2, 3, 4}, before, half, half, after, half, half);
            convPads = new long[6];
        } else if (spatialPaddingMode.equals("zeros")) {
            padding = v -> pad(v, "edge", new long[] {2}, before, after);
            convPads = new long[] {0, half, half, 0, half, half};
        } else {
            final String mode = spatialPaddingMode.equals("reflect") ? "reflect" : "wrap";
            padding = v -> pad(pad(v, "edge", new long[] {2}, before, after), mode, new long[] {3, 4}, half, half, half, half);
            convPads = new long[6];
        }
        // every mode copies values (edge, reflect, wrap): an int8 conv pads its quantized bytes instead (Conv#apply)
        return Conv.apply(graph, weightKey, weight, bias, x, padding, convPads, stride, role);
    }

    private Value pad(final Value x, final String mode, final long[] axes, final long... pads) {
        if (Arrays.stream(pads).allMatch(p -> p == 0)) {
            return x;
        }
        final List<Value> inputs = new ArrayList<>(List.of(x, graph.longs(pads)));
        inputs.add(null);
        inputs.add(graph.longs(axes));
        return graph.node("Pad", "", inputs, 1, Attr.s("mode", mode)).get(0);
    }
}
