package org.nifiltx.core.text;

import java.util.List;

/**
 * What the tokenizer needs from a sentencepiece {@code ModelProto} (or from a GGUF vocabulary that copies it).
 *
 * @param precompiledCharsmap normalisation rules, empty for none
 * @param unknownId id of the unknown piece
 * @param eosId id appended after the pieces, or negative when the model has none
 * @param padId id used for padding, or negative when the model has none
 */
record SentencePieceVocabulary(List<String> pieces, float[] scores, int[] types, byte[] precompiledCharsmap,
        int unknownId, int eosId, int padId, boolean addDummyPrefix, boolean removeExtraWhitespaces,
        boolean escapeWhitespaces, boolean treatWhitespaceAsSuffix, boolean byteFallback) {
}
