package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.tensor.Tensor;

class GifRoundTripTest {
    @TempDir
    Path directory;

    @Test
    void smoothPatternKeepsCountSizeDelayAndQuality() {
        final Tensor input = TestFrames.smoothPattern(17, 96, 64);
        final Path file = directory.resolve("clip.gif");

        assertEquals(VideoFormat.GIF, VideoWriter.write(file, input, 25.0, Map.of()));
        final DecodedVideo video = VideoReader.read(file);

        assertEquals(17, video.frameCount());
        assertEquals(96, video.width());
        assertEquals(64, video.height());
        // 25 fps is 4 centiseconds per frame, stored exactly.
        assertEquals(new FrameRate(100, 4), video.frameRate());
        double worst = Double.POSITIVE_INFINITY;
        for (int frame = 0; frame < 17; frame++) {
            final double psnr = TestFrames.psnr(input, video.frames(), frame);
            worst = Math.min(worst, psnr);
            assertTrue(psnr >= 25.0, "frame " + frame + " PSNR " + psnr + " dB < 25 dB");
        }
        System.out.printf("GIF 96x64x17: worst frame PSNR %.2f dB%n", worst);
    }

    @Test
    void fewColoursAreExact() {
        final Tensor input = TestFrames.fewColours(4, 40, 24);
        final Path file = directory.resolve("blocks.gif");

        VideoWriter.write(file, input, 10.0, null);
        final DecodedVideo video = VideoReader.read(file);

        assertEquals(new FrameRate(10, 1), video.frameRate());
        assertArrayEquals(input.shape(), video.frames().shape());
        assertArrayEquals(input.toByteArray(), video.frames().toByteArray());
    }

    @Test
    void delayIsHundredthsOfASecondRoundedAndAtLeastTwo() {
        assertEquals(4, GifEncoder.delayCentiseconds(new FrameRate(25, 1)));
        assertEquals(4, GifEncoder.delayCentiseconds(new FrameRate(24, 1)));
        assertEquals(3, GifEncoder.delayCentiseconds(new FrameRate(30000, 1001)));
        assertEquals(2, GifEncoder.delayCentiseconds(new FrameRate(120, 1)));
        assertEquals(200, GifEncoder.delayCentiseconds(new FrameRate(1, 2)));
    }
}
