package org.nifiltx.core.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The encoded prompt and, when classifier-free guidance is on, the encoded negative prompt: what {@code EncodePrompt}
 * hands to {@code GenerateLatents}. Spatio-temporal guidance needs no row of its own: its perturbed pass reuses the
 * positive prompt.
 */
public record PromptPair(PromptEmbeddings positive, PromptEmbeddings negative) {
    public static final String NEGATIVE_EMBEDDINGS = "negative_prompt_embeds";
    public static final String NEGATIVE_ATTENTION_MASK = "negative_prompt_attention_mask";

    public TensorBundle toBundle() {
        final Map<String, Tensor> tensors = new LinkedHashMap<>(positive.toBundle().tensors());
        if (negative != null) {
            tensors.put(NEGATIVE_EMBEDDINGS, negative.embeddings());
            tensors.put(NEGATIVE_ATTENTION_MASK, negative.attentionMask());
        }
        return TensorBundle.of(tensors);
    }

    /** The tensors with what they were encoded for ({@link PromptSpec#metadata()}), for the stages that read them later. */
    public TensorBundle toBundle(final PromptSpec spec) {
        return toBundle().withMetadata(spec.metadata());
    }

    /**
     * The pair a bundle carries. Whether it has the unconditional row is read from its metadata
     * ({@link StageMetadata#NEGATIVE_EMBEDDINGS}; a missing tensor it promises is an error naming it); content without
     * that key has the row when its tensors are there.
     */
    public static PromptPair fromBundle(final TensorBundle bundle) {
        final Boolean promised = StageMetadata.flag(bundle.metadata(), StageMetadata.NEGATIVE_EMBEDDINGS);
        final boolean present = promised != null ? promised : bundle.contains(NEGATIVE_EMBEDDINGS);
        final PromptEmbeddings negative = present
                ? new PromptEmbeddings(bundle.get(NEGATIVE_EMBEDDINGS), bundle.get(NEGATIVE_ATTENTION_MASK)) : null;
        return new PromptPair(PromptEmbeddings.fromBundle(bundle), negative);
    }
}
