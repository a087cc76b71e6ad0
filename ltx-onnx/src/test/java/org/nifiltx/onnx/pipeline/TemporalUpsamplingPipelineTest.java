package org.nifiltx.onnx.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Condition;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.testing.TinyFixtures;

/**
 * Multi-scale with the temporal and spatio-temporal upsamplers on the tiny model: the requested 17 frames at 25 fps are
 * the output; the first pass makes 9 frames at 12.5 fps (2 latent frames), the upsampler 3 latent frames.
 */
class TemporalUpsamplingPipelineTest {
    private static final int CHANNELS = 16;
    private static final Tensor IMAGE = TinyFixtures.read("cases/pipeline_i2v/inputs.safetensors").get("image_uint8");

    private static GenerationRequest.Builder request() {
        return GenerationRequest.builder().prompt("a cat turns its head").numFrames(17).height(64).width(96).multiScale(true)
                .timesteps(List.of(1.0, 0.725)).secondPassTimesteps(List.of(0.725)).guidanceScale(1).maxLength(32)
                .compat(Compat.OFFICIAL);
    }

    @Test
    void temporalOnlyKeepsTheSizeAndDoublesTheFrames() {
        final RecordingBackend backend = RecordingBackend.cpu();
        try (LtxModels models = backend.tinyModels("model/latent_upsampler_temporal")) {
            // a keyframe image at frame 16 is frame 8 of the half-rate first pass: the same 0.64 s in both passes
            final GenerationRequest request = request().conditions(List.of(new Condition(IMAGE, 16, 1.0))).build();
            final GenerationResult result = new LtxPipeline(models).recordingStepLatents().generate(request, new SeededNoise(4), ProgressListener.NONE);
            assertArrayEquals(new long[] {17, 64, 96, 3}, result.frames().shape());
            assertArrayEquals(new long[] {1, CHANNELS, 3, 2, 3}, result.latents().shape());
            assertEquals(3, result.stepLatents().size());
            assertArrayEquals(new long[] {1, 2 * 2 * 3, CHANNELS}, result.stepLatents().get(0).shape());
            assertArrayEquals(new long[] {1, 3 * 2 * 3, CHANNELS}, result.stepLatents().get(2).shape());
            final List<RecordingBackend.Call> calls = backend.calls();
            // pass 1: 6 keyframe tokens + 2 latent frames; pass 2: 6 + 3. Time row of the coords, in seconds.
            final float[] first = calls.get(0).videoCoords().toFloatArray();
            final float[] second = calls.get(2).videoCoords().toFloatArray();
            assertEquals(6 + 12, first.length / 3);
            assertEquals(6 + 18, second.length / 3);
            assertEquals(8 * (float) (1 / 12.5), first[0], "keyframe at first-pass frame 8, 12.5 fps");
            assertEquals(16 * (float) (1 / 25.0), second[0], "keyframe at frame 16, 25 fps");
            assertEquals(1 * (float) (1 / 12.5), first[first.length / 3 - 1], "first pass latent frame 1 = pixel frame 1 at 12.5 fps");
            assertEquals(9 * (float) (1 / 25.0), second[second.length / 3 - 1], "second pass latent frame 2 = pixel frame 9 at 25 fps");
        }
    }

    @Test
    void spatioTemporalDownscalesTheFirstPassToo() {
        final RecordingBackend backend = RecordingBackend.cpu();
        try (LtxModels models = backend.tinyModels("model/latent_upsampler_spatiotemporal")) {
            // 128x192 x 0.6666666 -> 64x96 first pass (latent 2x3), then 4x6 with 3 latent frames
            final GenerationResult result = new LtxPipeline(models).recordingStepLatents().generate(request().height(128).width(192).build(),
                    new SeededNoise(5), ProgressListener.NONE);
            assertArrayEquals(new long[] {17, 128, 192, 3}, result.frames().shape());
            assertArrayEquals(new long[] {1, CHANNELS, 3, 4, 6}, result.latents().shape());
            assertArrayEquals(new long[] {1, 2 * 2 * 3, CHANNELS}, result.stepLatents().get(0).shape());
            assertArrayEquals(new long[] {1, 3 * 4 * 6, CHANNELS}, result.stepLatents().get(2).shape());
        }
    }

    @Test
    void framesAndConditionsMustSuitTheHalfRateFirstPass() {
        final RecordingBackend backend = RecordingBackend.cpu();
        try (LtxModels models = backend.tinyModels("model/latent_upsampler_temporal")) {
            final LtxPipeline pipeline = new LtxPipeline(models).recordingStepLatents();
            assertInvalid("num-frames must be 16N+1 (17, 33, 49, ...) with a temporal latent upsampler, which turns F latent "
                    + "frames into 2F-1 (the first pass makes every other frame), got 25", pipeline, request().numFrames(25));
            assertInvalid("condition 1: with a temporal latent upsampler a condition must sit on an even frame (the first pass "
                    + "makes every other frame), got frame 5", pipeline, request().conditions(List.of(new Condition(IMAGE, 5, 1.0))));
            final Tensor clip = Tensor.ofBytes(IMAGE.dtype(), new long[] {9, 64, 96, 3}, new byte[9 * 64 * 96 * 3]);
            assertInvalid("condition 1: with a temporal latent upsampler a clip must have 16k+1 frames and start at a multiple "
                    + "of 16 (the first pass takes every other frame), got 9 frames at frame 0", pipeline,
                    request().conditions(List.of(new Condition(clip, 0, 1.0))));
            // a single-scale request ignores the upsampler
            pipeline.validate(request().numFrames(25).multiScale(false).build());
        }
    }

    private static void assertInvalid(final String message, final LtxPipeline pipeline, final GenerationRequest.Builder request) {
        final LtxException e = assertThrows(LtxException.class, () -> pipeline.validate(request.build()));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals(message, e.getMessage());
    }
}
