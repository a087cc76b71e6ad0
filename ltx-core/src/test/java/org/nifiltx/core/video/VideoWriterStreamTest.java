package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/** Writing into a stream (a FlowFile's content) gives the same video as writing a file, and leaves the stream open. */
class VideoWriterStreamTest {
    @TempDir
    Path directory;

    /** A content stream that remembers whether the writer closed it (its owner closes it, not us). */
    private static final class ContentStream extends ByteArrayOutputStream {
        private boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    @ParameterizedTest
    @CsvSource({"MP4, mp4", "GIF, gif", "PNG_ZIP, zip", "RAW_BUNDLE, safetensors"})
    void streamedVideoDecodesToTheSameFramesAsTheFile(final VideoFormat format, final String extension) throws IOException {
        final Tensor frames = TestFrames.smoothPattern(9, 96, 64);
        final FrameRate rate = FrameRate.of(24.0);
        final Path file = directory.resolve("file." + extension);
        VideoWriter.write(file, frames, rate, Map.of());

        final ContentStream content = new ContentStream();
        VideoWriter.write(content, frames, rate, format, Map.of());
        assertFalse(content.closed, "the writer closed the content stream");
        final Path streamed = directory.resolve("streamed." + extension);
        Files.write(streamed, content.toByteArray());

        final DecodedVideo expected = VideoReader.read(file);
        final DecodedVideo actual = VideoReader.read(streamed);
        assertArrayEquals(expected.frames().shape(), actual.frames().shape());
        assertEquals(9, actual.frameCount());
        assertArrayEquals(expected.frames().toByteArray(), actual.frames().toByteArray());
        assertEquals(expected.optionalFrameRate(), actual.optionalFrameRate());
    }

    @Test
    void aFrameDirectoryIsNoStream() {
        final LtxException e = assertThrows(LtxException.class, () -> VideoWriter.write(new ByteArrayOutputStream(),
                TestFrames.smoothPattern(1, 32, 32), FrameRate.of(24.0), VideoFormat.PNG_DIRECTORY, Map.of()));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("PNG_DIRECTORY cannot be written to a stream", e.getMessage());
    }
}
