package org.nifiltx.core.gguf;

import java.util.List;

/**
 * The SentencePiece (unigram) vocabulary a llama.cpp T5 GGUF carries in its {@code tokenizer.ggml.*} metadata, for a
 * tokenizer to build on.
 *
 * @param tokens the pieces, by id
 * @param scores the unigram log-probabilities, by id
 * @param tokenTypes SentencePiece piece types by id (1 normal, 2 unknown, 3 control, 4 user defined, 6 byte)
 * @param precompiledCharsmap the normalizer's precompiled character map (empty if the file has none)
 * @param addEos whether encoding appends the end-of-sequence token
 */
public record T5Vocabulary(
        List<String> tokens,
        float[] scores,
        int[] tokenTypes,
        byte[] precompiledCharsmap,
        int eosId,
        int unkId,
        int padId,
        boolean addEos) {

    public T5Vocabulary {
        tokens = List.copyOf(tokens);
        scores = scores.clone();
        tokenTypes = tokenTypes.clone();
        precompiledCharsmap = precompiledCharsmap.clone();
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }

    @Override
    public int[] tokenTypes() {
        return tokenTypes.clone();
    }

    @Override
    public byte[] precompiledCharsmap() {
        return precompiledCharsmap.clone();
    }

    public int size() {
        return tokens.size();
    }
}
