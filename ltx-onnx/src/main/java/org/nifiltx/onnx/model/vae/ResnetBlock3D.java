package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;
import org.nifiltx.onnx.layers.Conv;

/**
 * Pre-norm residual block: {@code x + conv2(SiLU(norm2(conv1(SiLU(norm1(x))))))} with PixelNorm. With timestep
 * conditioning each norm is followed by {@code ·(1+scale)+shift} from {@code scale_shift_table} [4, C] plus the group's
 * timestep embedding. When channels change (res_x_y) the shortcut is a 1×1×1 conv of the channel-LayerNorm'ed input.
 */
final class ResnetBlock3D {
    private static final float LAYER_NORM_EPS = 1e-6f;

    private final GraphBuilder graph;
    private final long inChannels;
    private final long outChannels;
    private final CausalConv3d conv1;
    private final CausalConv3d conv2;
    private final Value scaleShiftTable;
    private final String shortcutKey;
    private final Tensor shortcutWeight;
    private final Value shortcutBias;
    private final Value norm3Weight;
    private final Value norm3Bias;
    private final Value noise1;
    private final Value noise2;
    private final List<String> noiseInputs = new ArrayList<>();

    ResnetBlock3D(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long outChannels,
            final boolean timestepConditioning, final String spatialPaddingMode) {
        this(graph, scope, inChannels, outChannels, timestepConditioning, false, spatialPaddingMode);
    }

    /**
     * With {@code injectNoise} (0.9.1 decoders) the block declares two graph inputs {@code <scope>noise1/2} [H, W]:
     * the reference's {@code randn(H, W)} maps, each scaled by {@code per_channel_scale1/2} [C, 1, 1] and added after
     * conv1 / conv2 to every frame and batch item.
     */
    ResnetBlock3D(final GraphBuilder graph, final WeightStore scope, final long inChannels, final long outChannels,
            final boolean timestepConditioning, final boolean injectNoise, final String spatialPaddingMode) {
        this.graph = graph;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.conv1 = new CausalConv3d(graph, scope.scoped("conv1"), inChannels, outChannels, spatialPaddingMode);
        this.conv2 = new CausalConv3d(graph, scope.scoped("conv2"), outChannels, outChannels, spatialPaddingMode);
        // [4, C] → [4, C, 1, 1, 1] so it broadcasts over frames and pixels
        this.scaleShiftTable = timestepConditioning ? graph.weight(scope.prefix() + "scale_shift_table",
                scope.get("scale_shift_table", 4, inChannels).reshape(4, inChannels, 1, 1, 1)) : null;
        if (inChannels != outChannels) {
            final WeightStore shortcut = scope.scoped("conv_shortcut");
            final WeightStore norm3 = scope.scoped("norm3.norm");
            this.shortcutKey = shortcut.prefix() + "weight";
            this.shortcutWeight = shortcut.get("weight", outChannels, inChannels, 1, 1, 1);
            this.shortcutBias = graph.weight(shortcut.prefix() + "bias", shortcut.get("bias", outChannels));
            this.norm3Weight = graph.weight(norm3.prefix() + "weight", norm3.get("weight", inChannels));
            this.norm3Bias = graph.weight(norm3.prefix() + "bias", norm3.get("bias", inChannels));
        } else {
            this.shortcutKey = null;
            this.shortcutWeight = null;
            this.shortcutBias = null;
            this.norm3Weight = null;
            this.norm3Bias = null;
        }
        if (injectNoise && inChannels != outChannels) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "VAE noise injection in a channel-changing res block ("
                    + scope.prefix() + ") is not supported");
        }
        this.noise1 = injectNoise ? scaledNoise(scope, "1") : null;
        this.noise2 = injectNoise ? scaledNoise(scope, "2") : null;
    }

    /** Noise map input [H, W] times per_channel_scale [C, 1, 1], shaped [C, 1, H, W] to broadcast over frames. */
    private Value scaledNoise(final WeightStore scope, final String index) {
        final String name = scope.prefix() + "noise" + index;
        noiseInputs.add(name);
        final Value noise = graph.input(name, DType.F32, name + ".height", name + ".width");
        final Value scale = graph.weight(scope.prefix() + "per_channel_scale" + index,
                scope.get("per_channel_scale" + index, inChannels, 1, 1).reshape(inChannels, 1, 1, 1));
        return graph.mul(graph.unsqueeze(noise, 0), scale);
    }

    /** Names of the noise map inputs this block declared (empty without noise injection). */
    List<String> noiseInputs() {
        return List.copyOf(noiseInputs);
    }

    private Value addNoise(final Value x, final Value noise) {
        return noise == null ? x : graph.add(x, noise);
    }

    /**
     * [B, Cin, F, H, W] → [B, Cout, F, H, W]; {@code timestepEmbedding} is the group's [B, 4·Cin] embedding or null.
     */
    Value apply(final Value x, final boolean causal, final Value timestepEmbedding) {
        Value shift1 = null;
        Value scale1 = null;
        Value shift2 = null;
        Value scale2 = null;
        if (scaleShiftTable != null) {
            // [B, 4C] → [B, 4, C, 1, 1, 1] + table → four [B, C, 1, 1, 1] (shift1, scale1, shift2, scale2)
            final Value ada = graph.add(graph.reshape(timestepEmbedding, 0, 4, inChannels, 1, 1, 1), scaleShiftTable);
            shift1 = pick(ada, 0);
            scale1 = pick(ada, 1);
            shift2 = pick(ada, 2);
            scale2 = pick(ada, 3);
        }
        Value h = modulate(PixelNorm.apply(graph, x), shift1, scale1);
        h = addNoise(conv1.apply(Activations.silu(graph, h), causal), noise1);
        h = modulate(PixelNorm.apply(graph, h), shift2, scale2);
        h = addNoise(conv2.apply(Activations.silu(graph, h), causal), noise2);
        return graph.add(shortcut(x), h);
    }

    private Value pick(final Value ada, final long index) {
        return VaeOps.pick(graph, ada, 1, index);
    }

    private Value modulate(final Value x, final Value shift, final Value scale) {
        if (shift == null) {
            return x;
        }
        return graph.add(graph.mul(x, graph.add(scale, graph.scalar(1f))), shift);
    }

    private Value shortcut(final Value x) {
        if (shortcutWeight == null) {
            return x;
        }
        // LayerNorm over channels: move C last, normalise, move back (perms are positive)
        final Value channelsLast = graph.transpose(x, 0, 2, 3, 4, 1);
        final Value normed = graph.op("LayerNormalization", List.of(channelsLast, norm3Weight, norm3Bias),
                Attr.i("axis", -1), Attr.f("epsilon", LAYER_NORM_EPS));
        final Value channelsFirst = graph.transpose(normed, 0, 4, 1, 2, 3);
        return Conv.apply(graph, shortcutKey, shortcutWeight, shortcutBias, channelsFirst, new long[6],
                new long[] {1, 1, 1});
    }

    long outChannels() {
        return outChannels;
    }
}
