package org.nifiltx.core.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * What the prompt-encoding stage needs and nothing else: no sizes, no sampling. {@link GenerationRequest#promptSpec()}
 * takes it from a whole request; a stage that only encodes (NiFi's EncodePrompt) builds it directly.
 *
 * @param negativePrompt what the video should not show, encoded as the unconditional row when
 *                       {@code classifierFree}; null encodes the empty text there
 * @param classifierFree whether the unconditional row is encoded, which classifier-free guidance (scale above 1) needs
 * @param maxLength      tokens each prompt is padded or truncated to
 * @param compat         official runs T5 with its attention mask, diffusers without
 */
public record PromptSpec(String prompt, String negativePrompt, boolean classifierFree, int maxLength, Compat compat) {

    /** Every problem is an INVALID_ARGUMENT, in the words the whole request's checks use. */
    public void validate() {
        if (prompt == null) {
            throw invalid("a prompt is required");
        }
        if (maxLength < 1) {
            throw invalid("max-length must be at least 1, got " + maxLength);
        }
        if (compat == null) {
            throw invalid("a compat (official or diffusers) is required");
        }
    }

    /**
     * What the encoded prompt carries for the stages after it ({@link StageMetadata} keys): compat, token length,
     * whether the unconditional row is there, and the prompts themselves for provenance.
     */
    public Map<String, String> metadata() {
        final Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(StageMetadata.STAGE, StageMetadata.STAGE_PROMPT_EMBEDDINGS);
        metadata.put(StageMetadata.COMPAT, compat.name());
        metadata.put(StageMetadata.MAX_LENGTH, String.valueOf(maxLength));
        metadata.put(StageMetadata.NEGATIVE_EMBEDDINGS, String.valueOf(classifierFree));
        metadata.put(StageMetadata.PROMPT, prompt);
        if (classifierFree) {
            metadata.put(StageMetadata.NEGATIVE_PROMPT, negativePrompt == null ? "" : negativePrompt);
        }
        return metadata;
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
