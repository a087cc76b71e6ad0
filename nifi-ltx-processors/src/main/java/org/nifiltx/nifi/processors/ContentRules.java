package org.nifiltx.nifi.processors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.video.ImageLoader;
import org.nifiltx.nifi.api.LtxModelInfo;

/**
 * What a stage accepts as incoming safetensors content, checked on the header alone so that foreign or oversized
 * content is refused before any of its data is allocated (see {@link FlowFileTensors#read}).
 */
final class ContentRules {
    /**
     * The most text tokens an encoded prompt may carry. The official configs use 256 and diffusers 128; the cap keeps a
     * mistaken Max Length (or a foreign file) from filling the heap.
     */
    static final long MAX_TEXT_TOKENS = 4096;

    private static final Set<String> PROMPT_TENSORS = Set.of(PromptEmbeddings.EMBEDDINGS, PromptEmbeddings.ATTENTION_MASK,
            PromptPair.NEGATIVE_EMBEDDINGS, PromptPair.NEGATIVE_ATTENTION_MASK, EncodePrompt.CONDITIONING_IMAGE_TENSOR);

    private ContentRules() {
    }

    /** EncodePrompt's output: prompt embeddings [1, L, caption channels] and masks, optionally the conditioning image. */
    static Consumer<SafeTensors.Header> encodedPrompt(final LtxModelInfo info) {
        return header -> {
            final List<String> problems = new ArrayList<>();
            boolean embeddings = false;
            for (final SafeTensors.Entry entry : header.entries()) {
                final String name = entry.name();
                final long[] shape = entry.shape();
                if (!PROMPT_TENSORS.contains(name)) {
                    problems.add("unexpected tensor '" + name + "'");
                } else if (name.equals(EncodePrompt.CONDITIONING_IMAGE_TENSOR)) {
                    if (entry.dtype() != DType.U8 || shape.length != 3 || shape[2] != 3
                            || shape[0] * shape[1] > ImageLoader.MAX_PIXELS) {
                        problems.add("'" + name + "' must be uint8 RGB [H, W, 3] of at most " + ImageLoader.MAX_PIXELS
                                + " pixels, got " + entry.dtype() + " " + Arrays.toString(shape));
                    }
                } else if (name.endsWith("_embeds")) {
                    embeddings |= name.equals(PromptEmbeddings.EMBEDDINGS);
                    if (shape.length != 3 || shape[2] != info.captionChannels() || shape[1] > MAX_TEXT_TOKENS) {
                        problems.add("'" + name + "' must be [batch, at most " + MAX_TEXT_TOKENS + " tokens, "
                                + info.captionChannels() + "] (the transformer's caption_channels), got " + Arrays.toString(shape));
                    }
                } else if (shape.length != 2 || shape[1] > MAX_TEXT_TOKENS) {
                    problems.add("'" + name + "' must be [batch, at most " + MAX_TEXT_TOKENS + " tokens], got "
                            + Arrays.toString(shape));
                }
            }
            if (!embeddings) {
                problems.add("no '" + PromptEmbeddings.EMBEDDINGS + "' tensor");
            }
            refuse("an encoded prompt from EncodePrompt", problems);
        };
    }

    /**
     * GenerateLatents' output: latents [1, latent channels, f, h, w]; {@code decodable} gets their shape and the
     * content's metadata to size the decode and check its memory.
     */
    static Consumer<SafeTensors.Header> latents(final LtxModelInfo info, final BiConsumer<long[], Map<String, String>> decodable) {
        return header -> {
            final List<String> problems = new ArrayList<>();
            SafeTensors.Entry latents = null;
            for (final SafeTensors.Entry entry : header.entries()) {
                if (entry.name().equals(GenerateLatents.LATENTS_TENSOR)) {
                    latents = entry;
                } else {
                    problems.add("unexpected tensor '" + entry.name() + "'");
                }
            }
            if (latents == null) {
                problems.add("no '" + GenerateLatents.LATENTS_TENSOR + "' tensor");
            } else if (latents.shape().length != 5 || latents.shape()[0] != 1 || latents.shape()[1] != info.latentChannels()) {
                problems.add("'" + GenerateLatents.LATENTS_TENSOR + "' must be [1, " + info.latentChannels()
                        + ", frames, height, width], got " + Arrays.toString(latents.shape()));
            }
            refuse("latents from GenerateLatents", problems);
            decodable.accept(latents.shape(), header.metadata());
        };
    }

    private static void refuse(final String expected, final List<String> problems) {
        if (!problems.isEmpty()) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "the content is not " + expected + ": "
                    + String.join("; ", problems));
        }
    }
}
