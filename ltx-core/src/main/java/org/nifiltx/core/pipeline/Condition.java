package org.nifiltx.core.pipeline;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * One conditioning item of the official {@code LTXVideoPipeline} (and diffusers {@code LTXConditionPipeline}): an image
 * or a short clip pinned to a pixel frame of the generated video with a strength.
 * <ul>
 * <li>frame 0: lerped into the first latent frames (image-to-video, video extension);</li>
 * <li>a single frame, or a clip's first two latent frames, at frame n &gt; 0: extra tokens prepended to the sequence
 * (keyframes), dropped before decoding;</li>
 * <li>a clip's later latent frames at n &gt; 0: lerped into the grid from latent frame {@code n/8 + 2}.</li>
 * </ul>
 *
 * @param media      uint8 RGB image [H, W, 3] or clip [F, H, W, 3]; cropped and resized to the pass size like the image
 * @param frameIndex pixel frame of the generated video the media's first frame lands on
 * @param strength   1 pins the tokens (they are never denoised); s &lt; 1 starts them at noise level 1 − s
 */
public record Condition(Tensor media, int frameIndex, double strength) {

    /** An image at frame 0 with strength 1: plain image-to-video. */
    public static Condition firstFrame(final Tensor image) {
        return new Condition(image, 0, 1.0);
    }

    /** Frames the media holds before trimming. */
    public int mediaFrames() {
        return media.rank() == 4 ? (int) media.dim(0) : 1;
    }

    /** Frames used: a clip running past the video end is cut at the end (as the official pipeline trims it). */
    public int usedFrames(final int numFrames) {
        return Math.min(mediaFrames(), numFrames - frameIndex);
    }

    /** Checks this item against the video length; {@code number} (1-based) names it in messages. */
    void validate(final int number, final int numFrames, final int temporalCompression) {
        final String name = "condition " + number;
        final boolean image = media != null && media.rank() == 3;
        final boolean clip = media != null && media.rank() == 4;
        if (media == null || media.dtype() != DType.U8 || !(image || clip) || media.dim(media.rank() - 1) != 3 || media.numel() == 0) {
            throw invalid(name + ": media must be uint8 RGB [H, W, 3] (image) or [F, H, W, 3] (clip), got " + media);
        }
        if (frameIndex < 0 || frameIndex >= numFrames) {
            throw invalid(name + ": frame index must lie in 0.." + (numFrames - 1) + " (the video has " + numFrames
                    + " frames), got " + frameIndex);
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw invalid(name + ": strength must lie in [0, 1], got " + strength);
        }
        final int used = usedFrames(numFrames);
        if ((used - 1) % temporalCompression != 0) {
            throw invalid(name + ": a clip must have " + temporalCompression + "k+1 frames (1, " + (temporalCompression + 1) + ", "
                    + (2 * temporalCompression + 1) + ", ...) after trimming to the video end, got " + used + " of "
                    + mediaFrames() + " frames at frame " + frameIndex);
        }
        if (used > 1 && frameIndex > 0 && frameIndex % temporalCompression != 0) {
            throw invalid(name + ": a clip after frame 0 must start at a multiple of " + temporalCompression + ", got frame "
                    + frameIndex);
        }
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
