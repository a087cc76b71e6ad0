package org.nifiltx.onnx.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.Condition;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/** Conditioning items are checked before any model work, against the tiny VAE's factors (x32 space, x8 time). */
class ConditionValidationTest {
    private static final Tensor IMAGE = clip(0);

    private static Tensor clip(final int frames) {
        final long[] shape = frames == 0 ? new long[] {64, 96, 3} : new long[] {frames, 64, 96, 3};
        return Tensor.ofBytes(DType.U8, shape, new byte[Math.toIntExact(Tensor.numel(shape))]);
    }

    private static String rejection(final int numFrames, final Condition... conditions) {
        final GenerationRequest request = GenerationRequest.builder().prompt("p").numFrames(numFrames).height(64).width(96)
                .conditions(List.of(conditions)).build();
        final LtxException e = assertThrows(LtxException.class, () -> request.validate(32, 8));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, e.code());
        return e.getMessage();
    }

    private static void accepted(final int numFrames, final Condition... conditions) {
        final GenerationRequest request = GenerationRequest.builder().prompt("p").numFrames(numFrames).height(64).width(96)
                .conditions(List.of(conditions)).build();
        assertDoesNotThrow(() -> request.validate(32, 8));
    }

    @Test
    void frameIndexMustLieInsideTheVideo() {
        assertEquals("condition 1: frame index must lie in 0..8 (the video has 9 frames), got 9", rejection(9, new Condition(IMAGE, 9, 1)));
        assertEquals("condition 2: frame index must lie in 0..16 (the video has 17 frames), got -1",
                rejection(17, new Condition(IMAGE, 0, 1), new Condition(IMAGE, -1, 1)));
        accepted(17, new Condition(IMAGE, 16, 1));
    }

    @Test
    void strengthMustLieInTheUnitInterval() {
        assertEquals("condition 1: strength must lie in [0, 1], got 1.5", rejection(9, new Condition(IMAGE, 0, 1.5)));
        assertEquals("condition 1: strength must lie in [0, 1], got -0.1", rejection(9, new Condition(IMAGE, 0, -0.1)));
        assertEquals("condition 1: strength must lie in [0, 1], got NaN", rejection(9, new Condition(IMAGE, 0, Double.NaN)));
        accepted(9, new Condition(IMAGE, 0, 0), new Condition(IMAGE, 8, 1));
    }

    @Test
    void clipsMustBeEightKPlusOneFramesAfterTrimmingToTheVideoEnd() {
        assertEquals("condition 1: a clip must have 8k+1 frames (1, 9, 17, ...) after trimming to the video end, got 5 of 5 frames "
                + "at frame 0", rejection(9, new Condition(clip(5), 0, 1)));
        assertEquals("condition 1: a clip must have 8k+1 frames (1, 9, 17, ...) after trimming to the video end, got 12 of 17 frames "
                + "at frame 5", rejection(17, new Condition(clip(17), 5, 1)));
        // 17 frames at frame 8 of a 17-frame video: trimmed to the 9 that fit.
        accepted(17, new Condition(clip(17), 8, 1));
        accepted(25, new Condition(clip(17), 0, 0.8));
    }

    @Test
    void clipsAfterFrameZeroMustStartOnALatentFrameBoundary() {
        assertEquals("condition 1: a clip after frame 0 must start at a multiple of 8, got frame 4",
                rejection(17, new Condition(clip(9), 4, 1)));
        // A single frame may sit anywhere.
        accepted(17, new Condition(IMAGE, 4, 1));
    }

    @Test
    void mediaMustBeUint8Rgb() {
        final Tensor floats = Tensor.ofFloats(new long[] {64, 96, 3}, new float[64 * 96 * 3]);
        assertEquals("condition 1: media must be uint8 RGB [H, W, 3] (image) or [F, H, W, 3] (clip), got Tensor[F32 [64, 96, 3]]",
                rejection(9, new Condition(floats, 0, 1)));
        assertEquals("condition 1: media must be uint8 RGB [H, W, 3] (image) or [F, H, W, 3] (clip), got Tensor[U8 [64, 96, 4]]",
                rejection(9, new Condition(Tensor.ofBytes(DType.U8, new long[] {64, 96, 4}, new byte[64 * 96 * 4]), 0, 1)));
        assertEquals("condition 1: media must be uint8 RGB [H, W, 3] (image) or [F, H, W, 3] (clip), got null",
                rejection(9, new Condition(null, 0, 1)));
    }
}
