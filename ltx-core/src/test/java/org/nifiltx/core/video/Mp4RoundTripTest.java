package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;

class Mp4RoundTripTest {
    @TempDir
    Path directory;

    static Stream<Arguments> frameRates() {
        return Stream.of(Arguments.of(25.0, new FrameRate(25, 1)), Arguments.of(30000.0 / 1001.0,
                new FrameRate(30000, 1001)), Arguments.of(24.0, new FrameRate(24, 1)));
    }

    @ParameterizedTest
    @MethodSource("frameRates")
    void roundTripKeepsCountSizeRateAndQuality(final double rate, final FrameRate expectedRate) throws Exception {
        final Tensor input = TestFrames.smoothPattern(17, 96, 64);
        final Path file = directory.resolve("clip.mp4");

        assertEquals(VideoFormat.MP4, VideoWriter.write(file, input, rate, Map.of()));
        final DecodedVideo video = VideoReader.read(file);

        assertEquals(17, video.frameCount());
        assertEquals(96, video.width());
        assertEquals(64, video.height());
        assertEquals(expectedRate, video.frameRate());
        double worst = Double.POSITIVE_INFINITY;
        for (int frame = 0; frame < 17; frame++) {
            final double psnr = TestFrames.psnr(input, video.frames(), frame);
            worst = Math.min(worst, psnr);
            assertTrue(psnr >= 30.0, "frame " + frame + " PSNR " + psnr + " dB < 30 dB");
        }
        System.out.printf("MP4 %s fps 96x64x17: worst frame PSNR %.2f dB, %d bytes%n", expectedRate, worst,
                Files.size(file));
        assertOnlyTarget(file);
    }

    @Test
    void oddSizeIsPaddedToEvenByRepeatingTheLastRowAndColumn() throws Exception {
        final Tensor input = TestFrames.smoothPattern(5, 95, 63);
        final Path file = directory.resolve("odd.mp4");

        VideoWriter.write(file, input, 25.0, null);
        final DecodedVideo video = VideoReader.read(file);

        assertEquals(5, video.frameCount());
        assertEquals(Mp4Encoder.encodedSize(95), video.width());
        assertEquals(96, video.width());
        assertEquals(64, video.height());
        double worst = Double.POSITIVE_INFINITY;
        for (int frame = 0; frame < 5; frame++) {
            final double psnr = TestFrames.psnr(input, video.frames(), frame);
            worst = Math.min(worst, psnr);
            assertTrue(psnr >= 30.0, "frame " + frame + " PSNR " + psnr + " dB < 30 dB");
        }
        System.out.printf("MP4 25 fps 95x63x5 (decoded 96x64): worst frame PSNR %.2f dB over the real pixels%n", worst);
        // The padding column repeats column 94, so it decodes close to it.
        final byte[] decoded = video.frames().toByteArray();
        long difference = 0;
        for (int y = 0; y < 64; y++) {
            final int rowStart = y * 96 * 3;
            for (int c = 0; c < 3; c++) {
                difference += Math.abs((decoded[rowStart + 95 * 3 + c] & 0xFF) - (decoded[rowStart + 94 * 3 + c] & 0xFF));
            }
        }
        assertTrue(difference / (64.0 * 3) < 6, "padding column differs from the last real column by "
                + difference / (64.0 * 3) + " on average");
    }

    @Test
    void evenSizeNotMultipleOfSixteenIsExact() {
        final Tensor input = TestFrames.smoothPattern(3, 50, 38);
        final Path file = directory.resolve("even.mp4");

        VideoWriter.write(file, input, 25.0, null);
        final DecodedVideo video = VideoReader.read(file);

        assertEquals(3, video.frameCount());
        assertEquals(50, video.width());
        assertEquals(38, video.height());
    }

    @Test
    void fixtureNoiseFramesKeepCountAndSize() throws URISyntaxException {
        final Path fixture = Path.of(getClass().getResource(
                "/fixtures/ltx-tiny/cases/vae_decode/outputs.safetensors").toURI());
        final Tensor frames = SafeTensors.read(fixture).get("frames_uint8_round");
        final Path file = directory.resolve("fixture.mp4");

        VideoWriter.write(file, frames, 24.0, Map.of());
        final DecodedVideo video = VideoReader.read(file);

        assertEquals(9, video.frameCount());
        assertEquals(64, video.height());
        assertEquals(96, video.width());
        assertEquals(new FrameRate(24, 1), video.frameRate());
    }

    private void assertOnlyTarget(final Path file) throws Exception {
        try (Stream<Path> entries = Files.list(directory)) {
            assertEquals(List.of(file), entries.toList(), "temporary files left beside the target");
        }
    }
}
