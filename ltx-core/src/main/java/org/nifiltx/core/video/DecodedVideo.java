package org.nifiltx.core.video;

import java.util.Optional;
import org.nifiltx.core.tensor.Tensor;

/**
 * Frames read back from a video file.
 *
 * @param frames uint8 RGB [F,H,W,3]
 * @param frameRate the rate the file states exactly (MP4 timescale / sample duration, GIF 100 / delay), or null for
 *     PNG frames, which carry no timing
 */
public record DecodedVideo(Tensor frames, FrameRate frameRate) {
    public int frameCount() {
        return (int) frames.dim(0);
    }

    public int height() {
        return (int) frames.dim(1);
    }

    public int width() {
        return (int) frames.dim(2);
    }

    public Optional<FrameRate> optionalFrameRate() {
        return Optional.ofNullable(frameRate);
    }
}
