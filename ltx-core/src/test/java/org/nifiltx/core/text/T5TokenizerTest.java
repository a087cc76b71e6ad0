package org.nifiltx.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Hand-checked behaviour of the tiny T5 vocabulary with the real nmt_nfkc normalisation rules. */
class T5TokenizerTest {
    private static final String LONG_PROMPT = "A long and winding description of a calm lake, with mountains, trees"
            + " and birds";

    private static T5Tokenizer tokenizer;

    @BeforeAll
    static void load() throws URISyntaxException {
        tokenizer = T5Tokenizer.fromSentencePieceModel(
                T5TokenizerFixtureTest.resource("/fixtures/ltx-tiny/model/diffusers/tokenizer/spiece.model"));
    }

    @Test
    void modelFileDefinesT5SpecialIds() {
        assertEquals(320, tokenizer.vocabularySize());
        assertEquals(1, tokenizer.eosId());
        assertEquals(0, tokenizer.padId());
        assertEquals("</s>", tokenizer.piece(1));
        assertEquals("<unk>", tokenizer.piece(2));
    }

    @Test
    void whitespaceRunsCollapseAndEdgesDisappear() {
        assertEquals(List.of("▁A", "▁red", "▁fox"), pieces("A red fox"));
        assertEquals(List.of("▁A", "▁red", "▁fox"), pieces("  A   red\t\nfox  "));
        // Ideographic and em spaces are spaces under nmt_nfkc, so they collapse too.
        assertEquals(List.of("▁A", "▁red"), pieces("\u00a0A\u3000red\u2003"));
        assertArrayEquals(new long[0], tokenizer.encode(" \t\n\u3000 "));
    }

    @Test
    void charsmapAppliesNfkcRulesIncludingMultiCharacterOnes() {
        // Full-width letters fold to ASCII even when several follow one another (one rule per character).
        assertEquals(List.of("▁A", "B", "C", "▁", "f", "i"), pieces("ＡＢＣ ﬁ"));
        // A two-character rule: e + combining acute composes to é.
        assertEquals(List.of("▁Café"), pieces("Cafe\u0301"));
        // ½ becomes 1⁄2, and the fraction slash is not in the vocabulary.
        assertEquals(List.of("▁1", "<unk>", "2"), pieces("½"));
    }

    @Test
    void consecutiveUnknownCharactersBecomeOneUnknownPiece() {
        assertEquals(List.of("▁", "<unk>"), pieces("東京"));
        assertEquals(List.of("▁", "<unk>", "a", "<unk>"), pieces("東a京"));
        assertEquals(List.of("▁", "x", "▁", "<unk>", "▁", "y"), pieces("x && y"));
    }

    @Test
    void pythonStripRemovesUnicodeWhitespaceThatJavaStripKeeps() {
        assertEquals("x y", PythonStrings.strip("\u00a0\u0085\u2007 x y\u202f\u3000\u001f"));
        // Zero-width space is not whitespace to Python.
        assertEquals("\u200bx", PythonStrings.strip("\u200bx "));
        assertEquals("", PythonStrings.strip(" \t "));
    }

    @Test
    void truncationKeepsLeadingPiecesAndEndsWithEos() {
        final long[] all = tokenizer.encode(LONG_PROMPT);
        assertEquals(16, all.length);
        final Encoding encoding = tokenizer.encode(LONG_PROMPT, 5);
        assertArrayEquals(new long[] {all[0], all[1], all[2], all[3], 1}, encoding.inputIds());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1}, encoding.attentionMask());
        // Exactly fitting: all pieces plus eos, no padding.
        final Encoding exact = tokenizer.encode(LONG_PROMPT, 17);
        assertArrayEquals(Arrays.copyOf(all, 16), Arrays.copyOf(exact.inputIds(), 16));
        assertEquals(1, exact.inputIds()[16]);
        final Encoding single = tokenizer.encode(LONG_PROMPT, 1);
        assertArrayEquals(new long[] {1}, single.inputIds());
        assertArrayEquals(new long[] {1}, single.attentionMask());
    }

    @Test
    void paddingFollowsEosWithMaskZero() {
        final Encoding encoding = tokenizer.encode("A red fox", 6);
        assertArrayEquals(new long[] {idOf("▁A"), idOf("▁red"), idOf("▁fox"), 1, 0, 0}, encoding.inputIds());
        assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0}, encoding.attentionMask());
    }

    @Test
    void maxLengthBelowOneIsRejected() {
        final LtxException error = assertThrows(LtxException.class, () -> tokenizer.encode("x", 0));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals("max sequence length must be at least 1 (room for </s>), got 0", error.getMessage());
    }

    private static List<String> pieces(final String text) {
        final List<String> result = new ArrayList<>();
        for (final long id : tokenizer.encode(text)) {
            result.add(tokenizer.piece((int) id));
        }
        return result;
    }

    private static long idOf(final String piece) {
        for (int id = 0; id < tokenizer.vocabularySize(); id++) {
            if (tokenizer.piece(id).equals(piece)) {
                return id;
            }
        }
        throw new AssertionError("no piece " + piece);
    }
}
