package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.tensor.Tensor;

class PngSequenceTest {
    @TempDir
    Path directory;

    @Test
    void directoryIsLossless() throws Exception {
        final Tensor input = TestFrames.noise(3, 17, 11, 1);
        final Path output = directory.resolve("frames");

        assertEquals(VideoFormat.PNG_DIRECTORY, VideoWriter.write(output, input, 24.0, Map.of()));
        final DecodedVideo video = VideoReader.read(output);

        try (Stream<Path> files = Files.list(output)) {
            assertEquals(List.of("frame_00000.png", "frame_00001.png", "frame_00002.png"),
                    files.map(path -> path.getFileName().toString()).sorted().toList());
        }
        assertArrayEquals(input.shape(), video.frames().shape());
        assertArrayEquals(input.toByteArray(), video.frames().toByteArray());
        assertNull(video.frameRate());
    }

    @Test
    void existingDirectoryOfFramesIsReplaced() throws Exception {
        final Path output = directory.resolve("frames");
        VideoWriter.write(output, TestFrames.noise(5, 8, 8, 2), 24.0, Map.of());
        final Tensor second = TestFrames.noise(2, 8, 8, 3);

        assertEquals(VideoFormat.PNG_DIRECTORY, VideoFormat.fromPath(output));
        VideoWriter.write(output, second, 24.0, Map.of());

        assertArrayEquals(second.toByteArray(), VideoReader.read(output).frames().toByteArray());
        try (Stream<Path> entries = Files.list(directory)) {
            assertEquals(List.of(output), entries.toList(), "temporary or old directories left behind");
        }
    }

    @Test
    void zipIsLossless() throws Exception {
        final Tensor input = TestFrames.noise(3, 16, 9, 4);
        final Path output = directory.resolve("frames.zip");

        assertEquals(VideoFormat.PNG_ZIP, VideoWriter.write(output, input, 24.0, Map.of()));
        final DecodedVideo video = VideoReader.read(output);

        assertTrue(Files.isRegularFile(output));
        assertArrayEquals(input.shape(), video.frames().shape());
        assertArrayEquals(input.toByteArray(), video.frames().toByteArray());
    }
}
