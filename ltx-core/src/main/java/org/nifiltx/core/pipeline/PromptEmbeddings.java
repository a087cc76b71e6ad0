package org.nifiltx.core.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.text.T5Tokenizer;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * Prompt embeddings [B, L, D] with their attention mask [B, L] (int64), as the transformer's cross-attention takes
 * them. Also the tensor names an {@code EncodePrompt} FlowFile carries.
 */
public record PromptEmbeddings(Tensor embeddings, Tensor attentionMask) {
    public static final String EMBEDDINGS = "prompt_embeds";
    public static final String ATTENTION_MASK = "prompt_attention_mask";

    /** Tokenizes {@code prompts} to {@code maxLength} tokens and runs T5 ({@code useMask}: with the mask inside T5). */
    public static PromptEmbeddings encode(final TextEncoderModel model, final ComponentRunner encoder, final List<String> prompts,
            final int maxLength) {
        final TensorBundle tokens = model.tokenizer().encodeBatch(prompts, maxLength);
        final Tensor hidden = encoder.run(tokens).get("last_hidden_state");
        return new PromptEmbeddings(hidden, tokens.get(T5Tokenizer.ATTENTION_MASK));
    }

    /** Embeddings first, then the mask: a fixed order, so the same prompt gives the same bytes in every run. */
    public TensorBundle toBundle() {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(EMBEDDINGS, embeddings);
        tensors.put(ATTENTION_MASK, attentionMask);
        return TensorBundle.of(tensors);
    }

    public static PromptEmbeddings fromBundle(final TensorBundle bundle) {
        return new PromptEmbeddings(bundle.get(EMBEDDINGS), bundle.get(ATTENTION_MASK));
    }

    public int batch() {
        return (int) embeddings.dim(0);
    }
}
