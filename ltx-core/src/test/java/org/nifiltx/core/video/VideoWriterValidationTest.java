package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

class VideoWriterValidationTest {
    @TempDir
    Path directory;

    private static void assertError(final LtxErrorCode code, final String message, final Executable call) {
        final LtxException error = assertThrows(LtxException.class, call);
        assertEquals(code, error.code());
        assertEquals(message, error.getMessage());
    }

    @Test
    void rejectsBadFramesWithExactMessages() throws Exception {
        final Path output = directory.resolve("out.mp4");
        assertError(LtxErrorCode.INVALID_TENSOR, "video frames must have rank 4 [F,H,W,3], got rank 3 shape [4, 4, 3]",
                () -> VideoWriter.write(output, Tensor.ofBytes(DType.U8, new long[] {4, 4, 3}, new byte[48]), 25.0,
                        Map.of()));
        assertError(LtxErrorCode.INVALID_TENSOR, "video frames must have dtype U8, got F32",
                () -> VideoWriter.write(output, Tensor.ofFloats(new long[] {1, 2, 2, 3}, new float[12]), 25.0,
                        Map.of()));
        assertError(LtxErrorCode.INVALID_TENSOR,
                "video frames must have 3 (RGB) channels in the last dimension, got 4 in shape [1, 2, 2, 4]",
                () -> VideoWriter.write(output, Tensor.ofBytes(DType.U8, new long[] {1, 2, 2, 4}, new byte[16]), 25.0,
                        Map.of()));
        assertError(LtxErrorCode.INVALID_TENSOR, "video frames must hold at least 1 frame, got shape [0, 2, 2, 3]",
                () -> VideoWriter.write(output, Tensor.ofBytes(DType.U8, new long[] {0, 2, 2, 3}, new byte[0]), 25.0,
                        Map.of()));
        final Tensor frames = TestFrames.noise(1, 2, 2, 7);
        assertError(LtxErrorCode.INVALID_ARGUMENT, "frame rate must be a finite number > 0, got 0.0",
                () -> VideoWriter.write(output, frames, 0.0, Map.of()));
        assertError(LtxErrorCode.INVALID_ARGUMENT, "frame rate must be a finite number > 0, got -24.0",
                () -> VideoWriter.write(output, frames, -24.0, Map.of()));
        assertError(LtxErrorCode.INVALID_ARGUMENT, "frame rate must be a finite number > 0, got NaN",
                () -> VideoWriter.write(output, frames, Double.NaN, Map.of()));
        assertNothingWritten();
    }

    @Test
    void rejectsUnknownExtensionWithTheAllowedList() throws Exception {
        final Path output = directory.resolve("clip.avi");
        assertError(LtxErrorCode.INVALID_ARGUMENT, "unsupported video output extension '.avi' in " + output
                + "; allowed: .mp4 (H.264), .gif (animated GIF), .zip (PNG frames in a zip), "
                + ".safetensors (raw frames_uint8 bundle), or a directory / a path without extension (PNG frames)",
                () -> VideoWriter.write(output, TestFrames.noise(1, 2, 2, 8), 25.0, Map.of()));
        assertNothingWritten();
    }

    @Test
    void formatComesFromThePath() {
        assertEquals(VideoFormat.MP4, VideoFormat.fromPath(Path.of("a/b.MP4")));
        assertEquals(VideoFormat.GIF, VideoFormat.fromPath(Path.of("b.gif")));
        assertEquals(VideoFormat.PNG_ZIP, VideoFormat.fromPath(Path.of("b.zip")));
        assertEquals(VideoFormat.RAW_BUNDLE, VideoFormat.fromPath(Path.of("b.safetensors")));
        assertEquals(VideoFormat.PNG_DIRECTORY, VideoFormat.fromPath(Path.of("out/frames")));
        assertEquals(VideoFormat.PNG_DIRECTORY, VideoFormat.fromPath(directory));
    }

    @Test
    void refusesToReplaceADirectoryHoldingOtherFiles() throws Exception {
        final Path output = directory.resolve("mine");
        Files.createDirectories(output);
        Files.writeString(output.resolve("notes.txt"), "keep me");

        assertError(LtxErrorCode.INVALID_ARGUMENT, "PNG frame directory " + output + " already holds 'notes.txt', "
                + "which is not a frame_NNNNN.png file; choose an empty or new directory",
                () -> VideoWriter.write(output, TestFrames.noise(1, 2, 2, 9), 25.0, Map.of()));
        assertTrue(Files.exists(output.resolve("notes.txt")));
        try (Stream<Path> entries = Files.list(directory)) {
            assertEquals(1, entries.count(), "temporary directory left behind");
        }
    }

    private void assertNothingWritten() throws Exception {
        try (Stream<Path> entries = Files.list(directory)) {
            assertEquals(0, entries.count(), "a failed write left files behind");
        }
    }
}
