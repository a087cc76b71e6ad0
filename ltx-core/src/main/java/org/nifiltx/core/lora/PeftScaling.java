package org.nifiltx.core.lora;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The scaling a diffusers LoRA file states in {@code __metadata__["lora_adapter_metadata"]}: the JSON of PEFT's
 * {@code LoraConfig} with keys prefixed {@code transformer.} (diffusers {@code save_lora_weights}). PEFT scales every
 * adapted layer by {@code lora_alpha / r} ({@code lora_alpha / sqrt(r)} with {@code use_rslora}); without the metadata
 * diffusers takes {@code lora_alpha = r}, i.e. 1.
 */
final class PeftScaling {
    static final String METADATA_KEY = "lora_adapter_metadata";

    private PeftScaling() {
    }

    /** {@code alpha / r} from the metadata, or null when the file carries none (then alpha = rank). */
    static Double alphaOverRank(final Map<String, String> metadata, final String source) {
        final String text = metadata.get(METADATA_KEY);
        if (text == null) {
            return null;
        }
        final JsonNode config = Json.parse(source + " metadata " + METADATA_KEY, text);
        if (!config.isObject()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, source + " metadata " + METADATA_KEY + " is not a JSON object");
        }
        for (final String pattern : new String[] {"rank_pattern", "alpha_pattern"}) {
            final JsonNode node = field(config, pattern);
            if (node != null && node.isObject() && !node.isEmpty()) {
                throw new LtxException(LtxErrorCode.UNSUPPORTED, source + ": per-module " + pattern + " " + node
                        + " is not supported; only one rank and alpha for every module");
            }
        }
        final JsonNode r = field(config, "r");
        if (r == null) {
            return null;
        }
        if (!r.isNumber() || r.doubleValue() <= 0) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, source + " metadata " + METADATA_KEY + ": r must be a positive "
                    + "number, got " + r);
        }
        final JsonNode alpha = field(config, "lora_alpha");
        if (alpha != null && !alpha.isNumber()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, source + " metadata " + METADATA_KEY + ": lora_alpha must be a "
                    + "number, got " + alpha);
        }
        final double rank = r.doubleValue();
        final double alphaValue = alpha == null ? rank : alpha.doubleValue();
        final JsonNode rslora = field(config, "use_rslora");
        return rslora != null && rslora.asBoolean(false) ? alphaValue / Math.sqrt(rank) : alphaValue / rank;
    }

    /** {@code transformer.<name>} as diffusers writes it, or a bare {@code <name>} (a PEFT adapter_config written as is). */
    private static JsonNode field(final JsonNode config, final String name) {
        final JsonNode prefixed = config.get("transformer." + name);
        final JsonNode node = prefixed != null ? prefixed : config.get(name);
        return node == null || node.isNull() ? null : node;
    }
}
