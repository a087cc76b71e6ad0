package org.nifiltx.core.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The encoded prompt and, when classifier-free guidance is on, the encoded negative prompt: what {@code EncodePrompt}
 * hands to {@code GenerateLatents}.
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

    public static PromptPair fromBundle(final TensorBundle bundle) {
        final PromptEmbeddings negative = bundle.contains(NEGATIVE_EMBEDDINGS)
                ? new PromptEmbeddings(bundle.get(NEGATIVE_EMBEDDINGS), bundle.get(NEGATIVE_ATTENTION_MASK)) : null;
        return new PromptPair(PromptEmbeddings.fromBundle(bundle), negative);
    }
}
