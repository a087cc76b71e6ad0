package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Dimensions of the LTX-Video transformer, read from either the original {@code Transformer3DModel} config (in the
 * single file's metadata) or diffusers' {@code transformer/config.json}; the field names are shared except where noted.
 *
 * @param causalTemporalPositioning present only in original configs (0.9.5+ set it); diffusers leaves it to the pipeline
 */
public record TransformerConfig(
        int numLayers,
        int numAttentionHeads,
        int attentionHeadDim,
        int inChannels,
        int outChannels,
        int crossAttentionDim,
        int captionChannels,
        int patchSize,
        int patchSizeT,
        double normEps,
        double qkNormEps,
        double positionalEmbeddingTheta,
        int[] positionalEmbeddingMaxPos,
        double timestepScaleMultiplier,
        Optional<Boolean> causalTemporalPositioning) {

    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** The RoPE padding: entries of the hidden vector not covered by the three axes' frequency pairs. */
    public int ropePadding() {
        return innerDim() % 6;
    }

    public static TransformerConfig fromJson(final JsonNode node, final String source) {
        final String activation = Json.optText(node, "activation_fn", "gelu-approximate");
        if (!"gelu-approximate".equals(activation)) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, source + " uses activation_fn '" + activation
                    + "'; LTX-Video 0.9.x uses 'gelu-approximate'");
        }
        final String qkNorm = Json.optText(node, "qk_norm", "rms_norm");
        if (!qkNorm.startsWith("rms_norm")) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, source + " uses qk_norm '" + qkNorm + "'; only RMS norm is supported");
        }
        final int[] maxPos = new int[] {20, 2048, 2048};
        final JsonNode maxPosNode = node.get("positional_embedding_max_pos");
        if (maxPosNode != null && maxPosNode.isArray() && maxPosNode.size() == 3) {
            for (int i = 0; i < 3; i++) {
                maxPos[i] = maxPosNode.get(i).intValue();
            }
        }
        final JsonNode causal = node.get("causal_temporal_positioning");
        final int patch = Json.optInt(node, "patch_size", 1);
        return new TransformerConfig(
                Json.requiredInt(node, "num_layers", source),
                Json.requiredInt(node, "num_attention_heads", source),
                Json.requiredInt(node, "attention_head_dim", source),
                Json.requiredInt(node, "in_channels", source),
                Json.optInt(node, "out_channels", Json.requiredInt(node, "in_channels", source)),
                Json.requiredInt(node, "cross_attention_dim", source),
                Json.requiredInt(node, "caption_channels", source),
                patch,
                Json.optInt(node, "patch_size_t", 1),
                Json.optDouble(node, "norm_eps", 1e-6),
                1e-5,
                Json.optDouble(node, "positional_embedding_theta", 10000.0),
                maxPos,
                Json.optDouble(node, "timestep_scale_multiplier", 1000.0),
                causal == null || causal.isNull() ? Optional.empty() : Optional.of(causal.booleanValue()));
    }
}
