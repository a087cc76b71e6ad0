package org.nifiltx.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Unigram segmentation rules checked by hand on a small vocabulary given as arrays, without normalisation rules. */
class T5TokenizerVocabularyTest {
    private static final List<String> PIECES = List.of("<pad>", "</s>", "<unk>", "▁", "a", "b", "ab", "▁a", "▁ab",
            "<sep>", "c");
    private static final int[] TYPES = {3, 3, 2, 1, 1, 1, 1, 1, 1, 4, 5};

    private static T5Tokenizer tokenizer(final float abScore) {
        final float[] scores = {0, 0, 0, -2, -3, -3, abScore, -2.5f, -7, 0, -1};
        return T5Tokenizer.fromPieces(PIECES, scores, TYPES, null, 2, 1, 0, true, true);
    }

    @Test
    void viterbiPicksTheHighestTotalScore() {
        final T5Tokenizer tokenizer = tokenizer(-4);
        // ▁a+b = -5.5 beats ▁+ab = -6, ▁ab = -7 and ▁+a+b = -8.
        assertArrayEquals(new long[] {7, 5}, tokenizer.encode("ab"));
        // ▁a+b+ab = -9.5 beats ▁ab+ab = -11.
        assertArrayEquals(new long[] {7, 5, 6}, tokenizer.encode("abab"));
        // The double space collapses to one.
        assertArrayEquals(new long[] {7, 7}, tokenizer.encode("a  a"));
    }

    @Test
    void trailingSpaceSymbolsAreRemovedWithExtraWhitespace() {
        // sentencepiece trims trailing U+2581 after escaping, whether it came from a space or from the text.
        assertArrayEquals(new long[] {7}, tokenizer(-4).encode("a\u2581 \u2581"));
    }

    @Test
    void equalScoresKeepThePathFoundFirst() {
        // ▁+ab and ▁a+b both total -5.5; sentencepiece replaces a path only by a strictly better one, and ▁+ab
        // reaches the end first because pieces starting earlier are scanned first.
        assertArrayEquals(new long[] {3, 6}, tokenizer(-3.5f).encode("ab"));
    }

    @Test
    void unusedPiecesAreUnknownAndUnknownRunsMerge() {
        final T5Tokenizer tokenizer = tokenizer(-4);
        assertArrayEquals(new long[] {3, 2}, tokenizer.encode("c"));
        assertArrayEquals(new long[] {3, 2, 3, 2}, tokenizer.encode("cc c"));
        assertArrayEquals(new long[] {3, 2, 4, 2}, tokenizer.encode("cxaé"));
    }

    @Test
    void userDefinedSymbolsAreKeptWhole() {
        assertArrayEquals(new long[] {7, 9, 5}, tokenizer(-4).encode("a<sep>b"));
    }

    @Test
    void bytePiecesSpellUnknownCharactersWithoutMerging() {
        final List<String> pieces = List.of("<pad>", "</s>", "<unk>", "▁", "a", "<0x63>", "<0xC3>", "<0xA9>");
        final float[] scores = {0, 0, 0, -1, -1, 0, 0, 0};
        final int[] types = {3, 3, 2, 1, 1, 6, 6, 6};
        final T5Tokenizer tokenizer = T5Tokenizer.fromPieces(pieces, scores, types, new byte[0], 2, 1, 0, true, true);
        assertArrayEquals(new long[] {3, 5, 5, 4, 6, 7}, tokenizer.encode("cca\u00e9"));
        // A byte without its <0xNN> piece falls back to the unknown id.
        assertArrayEquals(new long[] {3, 2}, tokenizer.encode("x"));
    }

    @Test
    void withoutDummyPrefixOrWhitespaceRemovalSpacesAreKept() {
        final float[] scores = {0, 0, 0, -2, -3, -3, -4, -2.5f, -7, 0, -1};
        final T5Tokenizer tokenizer = T5Tokenizer.fromPieces(PIECES, scores, TYPES, null, 2, 1, 0, false, false);
        // No leading ▁; strip removes the outer spaces of the text, the ▁ typed at the end stays.
        assertArrayEquals(new long[] {4, 7}, tokenizer.encode(" a a "));
        assertArrayEquals(new long[] {4, 7, 3}, tokenizer.encode("a a\u2581"));
        // Both spaces of a run survive.
        assertArrayEquals(new long[] {4, 3, 7}, tokenizer.encode("a  a"));
    }

    @Test
    void inconsistentVocabularyIsRejected() {
        final LtxException lengths = assertThrows(LtxException.class, () -> T5Tokenizer.fromPieces(
                List.of("<unk>", "a", "b"), new float[2], new int[] {2, 1, 1}, null, 0, -1, -1, true, true));
        assertEquals(LtxErrorCode.CORRUPT_FILE, lengths.code());
        assertEquals("invalid sentencepiece vocabulary: vocabulary has 3 pieces, 2 scores and 3 types; they must be"
                + " equal and non-zero", lengths.getMessage());
        final LtxException duplicate = assertThrows(LtxException.class, () -> T5Tokenizer.fromPieces(
                List.of("<unk>", "a", "a"), new float[3], new int[] {2, 1, 1}, null, 0, -1, -1, true, true));
        assertEquals("invalid sentencepiece vocabulary: piece 'a' is defined twice (ids 1 and 2)",
                duplicate.getMessage());
        final LtxException unknown = assertThrows(LtxException.class, () -> T5Tokenizer.fromPieces(
                List.of("<unk>", "a"), new float[2], new int[] {2, 1}, null, 1, -1, -1, true, true));
        assertEquals("invalid sentencepiece vocabulary: unknown id 1 names piece 'a' of type 1, not UNKNOWN (2)",
                unknown.getMessage());
    }

    @Test
    void fixedLengthEncodingNeedsEosAndPad() {
        final T5Tokenizer tokenizer = T5Tokenizer.fromPieces(List.of("<unk>", "▁a"), new float[2],
                new int[] {2, 1}, null, 0, -1, -1, true, true);
        assertArrayEquals(new long[] {1}, tokenizer.encode("a"));
        final LtxException error = assertThrows(LtxException.class, () -> tokenizer.encode("a", 4));
        assertEquals(LtxErrorCode.UNSUPPORTED, error.code());
        assertEquals("fixed-length encoding needs eos and pad ids, but the vocabulary has eos id -1 and pad id -1",
                error.getMessage());
    }
}
