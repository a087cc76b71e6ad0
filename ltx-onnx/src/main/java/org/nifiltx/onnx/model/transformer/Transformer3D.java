package org.nifiltx.onnx.model.transformer;

import java.util.List;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Linear;
import org.nifiltx.onnx.layers.Norms;

/**
 * The whole LTX-Video transformer ({@code Transformer3DModel}) as one graph, from a config and canonical (original)
 * weight names. Graph inputs: {@code hidden_states} [B,N,C_in], {@code encoder_hidden_states} [B,L,caption],
 * {@code encoder_attention_mask} [B,L] float (1 keep / 0 pad), {@code timestep} [B,T] flow time with T = 1 (one per
 * item) or N (per token), {@code video_coords} [B,3,N], {@code skip_layer_mask} [layers,B]; output {@code out}
 * [B,N,C_out]. One graph serves both timestep forms because the modulation broadcasts over T; the runner reshapes
 * a [B] timestep to [B,1] and supplies an all-ones skip mask when none is given.
 */
public final class Transformer3D {
    public static final String HIDDEN_STATES = "hidden_states";
    public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
    public static final String ENCODER_ATTENTION_MASK = "encoder_attention_mask";
    public static final String TIMESTEP = "timestep";
    public static final String VIDEO_COORDS = "video_coords";
    public static final String SKIP_LAYER_MASK = "skip_layer_mask";
    public static final String OUT = "out";

    /** Final LayerNorm epsilon (fixed in the reference, not part of the config). */
    private static final double FINAL_NORM_EPS = 1e-6;
    /** Additive bias for padded caption tokens, as in the reference. */
    private static final float MASKED_BIAS = -10000f;

    private Transformer3D() {
    }

    /** Builds the graph for {@code target} from a config and transformer weights under original key names. */
    public static GraphBuilder build(final TransformerConfig config, final WeightStore weights, final Target target) {
        return build(config, weights, target, NumericPolicy.fp32());
    }

    /** Builds the graph computing as {@code policy} says (int8: the blocks' linear layers; see {@link Linear}). */
    public static GraphBuilder build(final TransformerConfig config, final WeightStore weights, final Target target,
            final NumericPolicy policy) {
        if (config.patchSize() != 1 || config.patchSizeT() != 1) {
            // Every 0.9.x checkpoint patchifies latents 1x1x1 (one token per latent pixel); larger patches would need a
            // different token layout and RoPE grid, which the reference code for these models does not have either.
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "transformer patch size (t, h, w) = (" + config.patchSizeT() + ", "
                    + config.patchSize() + ", " + config.patchSize() + ") is not supported; LTX-Video 0.9.x uses (1, 1, 1)");
        }
        final GraphBuilder graph = new GraphBuilder("ltx_transformer", target, policy);
        final int innerDim = config.innerDim();
        final Value hiddenStates = graph.input(HIDDEN_STATES, DType.F32, "batch", "tokens", config.inChannels());
        final Value encoderHiddenStates = graph.input(ENCODER_HIDDEN_STATES, DType.F32, "batch", "text_tokens",
                config.captionChannels());
        final Value encoderMask = graph.input(ENCODER_ATTENTION_MASK, DType.F32, "batch", "text_tokens");
        final Value timestep = graph.input(TIMESTEP, DType.F32, "batch", "timestep_tokens");
        final Value videoCoords = graph.input(VIDEO_COORDS, DType.F32, "batch", 3, "tokens");
        final Value skipLayerMask = graph.input(SKIP_LAYER_MASK, DType.F32, config.numLayers(), "batch");

        // patchify_proj: [B,N,C_in] → [B,N,D]
        Value x = Linear.apply(graph, weights, "patchify_proj", hiddenStates, innerDim, config.inChannels(),
                Linear.Role.SENSITIVE);
        final AdaLayerNormSingle.Output timeEmbed = AdaLayerNormSingle.build(graph, weights.scoped("adaln_single"), config,
                timestep);
        final Value caption = CaptionProjection.build(graph, weights.scoped("caption_projection"), config, encoderHiddenStates);
        final Value captionBias = captionBias(graph, encoderMask, hiddenStates);
        final RotaryEmbedding3d rope = RotaryEmbedding3d.build(graph, config, videoCoords);

        for (int i = 0; i < config.numLayers(); i++) {
            // skip_layer_mask row i → [B,1,1]
            final Value keepMask = graph.reshape(graph.op("Gather", List.of(skipLayerMask, scalarIndex(graph, i)),
                    Attr.i("axis", 0)), -1, 1, 1);
            x = new BasicTransformerBlock(graph, weights.scoped("transformer_blocks." + i), config)
                    .forward(x, timeEmbed.modulation(), caption, captionBias, rope, keepMask);
        }

        // final scale-shift: scale_shift_table [2,D] + embedded timestep [B,T,1,D]
        final Value table = Layers.weight(graph, weights, "scale_shift_table", 2, innerDim);
        final Value values = graph.add(table, graph.unsqueeze(timeEmbed.embeddedTimestep(), 2));
        final Value shift = graph.op("Gather", List.of(values, scalarIndex(graph, 0)), Attr.i("axis", 2));
        final Value scale = graph.op("Gather", List.of(values, scalarIndex(graph, 1)), Attr.i("axis", 2));
        final Value normalized = Layers.modulate(graph, Norms.layerNorm(graph, x, innerDim, FINAL_NORM_EPS), scale, shift);
        final Value out = Linear.apply(graph, weights, "proj_out", normalized, config.outChannels(), innerDim, Linear.Role.SENSITIVE);
        graph.output(out, OUT, DType.F32, "batch", "tokens", config.outChannels());
        return graph;
    }

    /**
     * (1 − mask)·(−10000) as [B,1,1,L]; ONNX Runtime's MultiHeadAttention broadcasts only batch and heads, so there
     * it is expanded to [B,1,N,L].
     */
    private static Value captionBias(final GraphBuilder graph, final Value mask, final Value hiddenStates) {
        final Value bias = graph.mul(graph.sub(graph.scalar(1f), mask), graph.scalar(MASKED_BIAS));
        final Value bias4d = graph.unsqueeze(bias, 1, 2);
        if (graph.target() != Target.ONNX_RUNTIME) {
            return bias4d;
        }
        final Value tokens = graph.slice(graph.op("Shape", hiddenStates), 0, 1, 2);
        final Value shape = graph.concat(0, graph.longs(1, 1), tokens, graph.longs(1));
        return graph.op("Expand", bias4d, shape);
    }

    private static Value scalarIndex(final GraphBuilder graph, final long index) {
        return graph.initializer(graph.fresh("index"), Tensor.ofLongs(new long[0], new long[] {index}));
    }
}
