package org.nifiltx.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Errors for spiece.model files that are missing or not a usable sentencepiece model. */
class T5TokenizerModelFileTest {
    @TempDir
    Path directory;

    @Test
    void missingFileIsReportedWithItsPath() {
        final Path missing = directory.resolve("spiece.model");
        final LtxException error = assertThrows(LtxException.class,
                () -> T5Tokenizer.fromSentencePieceModel(missing));
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, error.code());
        assertEquals("sentencepiece model file not found: " + missing, error.getMessage());
    }

    @Test
    void truncatedProtobufIsCorrupt() throws IOException {
        // Field 1 (pieces) announces 5 bytes but only 1 follows.
        final Path file = write(new byte[] {0x0A, 0x05, 0x01});
        final LtxException error = assertThrows(LtxException.class, () -> T5Tokenizer.fromSentencePieceModel(file));
        assertEquals(LtxErrorCode.CORRUPT_FILE, error.code());
        assertEquals("corrupt sentencepiece model file " + file
                + ": protobuf length 5 at byte 2 runs past the end of its message", error.getMessage());
    }

    @Test
    void truncatedRealModelIsCorrupt() throws IOException, URISyntaxException {
        final byte[] real = Files.readAllBytes(T5TokenizerFixtureTest.resource(
                "/fixtures/ltx-tiny/model/diffusers/tokenizer/spiece.model"));
        final byte[] head = new byte[real.length / 2];
        System.arraycopy(real, 0, head, 0, head.length);
        final Path file = write(head);
        final LtxException error = assertThrows(LtxException.class, () -> T5Tokenizer.fromSentencePieceModel(file));
        assertEquals(LtxErrorCode.CORRUPT_FILE, error.code());
        assertEquals(true, error.getMessage().startsWith("corrupt sentencepiece model file " + file + ": protobuf"),
                error.getMessage());
    }

    @Test
    void modelWithoutUnknownPieceIsCorrupt() throws IOException {
        // One piece "a" of default type NORMAL.
        final Path file = write(new byte[] {0x0A, 0x03, 0x0A, 0x01, 'a'});
        final LtxException error = assertThrows(LtxException.class, () -> T5Tokenizer.fromSentencePieceModel(file));
        assertEquals(LtxErrorCode.CORRUPT_FILE, error.code());
        assertEquals("corrupt sentencepiece model file " + file + ": no piece is typed UNKNOWN", error.getMessage());
    }

    @Test
    void emptyPieceIsCorrupt() throws IOException {
        // Pieces "<unk>" typed UNKNOWN and an empty one.
        final Path file = write(new byte[] {0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k', '>', 0x18, 0x02,
            0x0A, 0x00});
        final LtxException error = assertThrows(LtxException.class, () -> T5Tokenizer.fromSentencePieceModel(file));
        assertEquals(LtxErrorCode.CORRUPT_FILE, error.code());
        assertEquals("corrupt sentencepiece model file " + file + ": piece 1 is empty", error.getMessage());
    }

    @Test
    void bpeModelIsUnsupported() throws IOException {
        // trainer_spec { model_type: BPE }
        final Path file = write(new byte[] {0x12, 0x02, 0x18, 0x02});
        final LtxException error = assertThrows(LtxException.class, () -> T5Tokenizer.fromSentencePieceModel(file));
        assertEquals(LtxErrorCode.UNSUPPORTED, error.code());
        assertEquals("sentencepiece model file " + file + " has model type 2; only unigram (1) models are supported",
                error.getMessage());
    }

    private Path write(final byte[] content) throws IOException {
        final Path file = directory.resolve("spiece.model");
        Files.write(file, content);
        return file;
    }
}
