package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

/** The T5 v1.1 encoder dimensions, from a transformers {@code config.json} (or GGUF metadata). */
public record T5Config(
        int dModel,
        int numLayers,
        int numHeads,
        int dKv,
        int dFf,
        int vocabSize,
        int relativeAttentionNumBuckets,
        int relativeAttentionMaxDistance,
        double layerNormEpsilon,
        String feedForwardProj) {

    public static T5Config fromJson(final JsonNode node, final String source) {
        return new T5Config(
                Json.requiredInt(node, "d_model", source),
                Json.requiredInt(node, "num_layers", source),
                Json.requiredInt(node, "num_heads", source),
                Json.requiredInt(node, "d_kv", source),
                Json.requiredInt(node, "d_ff", source),
                Json.requiredInt(node, "vocab_size", source),
                Json.optInt(node, "relative_attention_num_buckets", 32),
                Json.optInt(node, "relative_attention_max_distance", 128),
                Json.optDouble(node, "layer_norm_epsilon", 1e-6),
                Json.optText(node, "feed_forward_proj", "gated-gelu"));
    }
}
