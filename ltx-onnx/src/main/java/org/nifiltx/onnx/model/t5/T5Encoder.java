package org.nifiltx.onnx.model.t5;

import java.util.List;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/**
 * The T5 v1.1 encoder stack (transformers {@code T5EncoderModel}) as one graph: {@code input_ids} [B, L] int64 and,
 * when masked, {@code attention_mask} [B, L] int64 → {@code last_hidden_state} [B, L, dModel] float32. Weights are
 * read under transformers names; every dimension comes from {@link T5Config}.
 */
public final class T5Encoder {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    /** The diffusers text_encoder folder stores the embedding only under its shared name. */
    static final String SHARED_EMBEDDING = "shared.weight";
    static final String ENCODER_EMBEDDING = "encoder.embed_tokens.weight";

    private T5Encoder() {
    }

    /**
     * @param useMask whether padded keys are excluded (original pipeline, LTXConditionPipeline); diffusers
     *                LTXPipeline runs T5 without the mask, and then the graph has no {@code attention_mask} input
     */
    public static GraphBuilder build(final T5Config config, final WeightStore weights, final boolean useMask, final Target target) {
        return build(config, weights, useMask, target, NumericPolicy.fp32());
    }

    /** The encoder computing as {@code policy} says (int8: every block projection and feed-forward layer). */
    public static GraphBuilder build(final T5Config config, final WeightStore weights, final boolean useMask, final Target target,
            final NumericPolicy policy) {
        final GraphBuilder graph = new GraphBuilder(useMask ? "t5_encoder_masked" : "t5_encoder", target, policy);
        final Value inputIds = graph.input(INPUT_IDS, DType.I64, "B", "L");
        final String embeddingKey = weights.contains(SHARED_EMBEDDING) ? SHARED_EMBEDDING : ENCODER_EMBEDDING;
        final Tensor table = weights.get(embeddingKey, config.vocabSize(), config.dModel());
        // [B, L, dModel]; T5 does not scale embeddings by √d. The table (32128 x 4096 for T5-XXL) is looked up before
        // widening, so a bf16 table stays bf16 in memory.
        Value hidden = graph.embedding(embeddingKey, policy.bf16() ? policy.weights().bf16(embeddingKey, table) : table, inputIds);
        final WeightStore encoder = weights.scoped("encoder");
        // computed once from block 0's table and shared by every layer
        Value positionBias = RelativePositionBias.build(graph, inputIds, config,
                encoder.scoped("block.0.layer.0.SelfAttention"));
        if (useMask) {
            positionBias = graph.add(positionBias, maskBias(graph, graph.input(ATTENTION_MASK, DType.I64, "B", "L")));
        }
        for (int i = 0; i < config.numLayers(); i++) {
            final WeightStore block = encoder.scoped("block." + i);
            hidden = selfAttentionLayer(graph, hidden, positionBias, config, block.scoped("layer.0"));
            hidden = T5LayerFF.apply(graph, hidden, config, block.scoped("layer.1"));
        }
        final Value out = T5LayerNorm.apply(graph, hidden, encoder.scoped("final_layer_norm"), config.dModel(),
                config.layerNormEpsilon());
        graph.output(out, LAST_HIDDEN_STATE, DType.F32, "B", "L", config.dModel());
        return graph;
    }

    /** {@code h + SelfAttention(T5LayerNorm(h))}; scope {@code encoder.block.i.layer.0}. */
    private static Value selfAttentionLayer(final GraphBuilder graph, final Value hidden, final Value positionBias,
            final T5Config config, final WeightStore weights) {
        final Value normed = T5LayerNorm.apply(graph, hidden, weights.scoped("layer_norm"), config.dModel(),
                config.layerNormEpsilon());
        return graph.add(hidden, T5Attention.apply(graph, normed, positionBias, config, weights.scoped("SelfAttention")));
    }

    /** [B, L] mask → [B, 1, 1, L] holding (1 − mask)·float32 min, as transformers adds it on padded keys. */
    private static Value maskBias(final GraphBuilder graph, final Value mask) {
        final Value maskFloat = graph.toFloat(mask);
        final Value excluded = graph.sub(graph.scalar(1f), maskFloat);
        final Value bias = graph.mul(excluded, graph.scalar(-Float.MAX_VALUE));
        return graph.unsqueeze(bias, 1, 2);
    }
}
