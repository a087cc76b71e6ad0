package org.nifiltx.onnx.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Condition;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * Keyframe and strength conditioning on the tiny model (official semantics, seeded noise). No reference fixture covers
 * them, so each test checks a property the spec states (§6.2, §5.5 step 5) on what the transformer was actually given.
 * Timesteps come from the tiny checkpoint's allowed (distilled) list. Tiny grid at 64x96: 2x3 latent tokens per frame,
 * 16 channels, causal temporal positions.
 */
class ConditionsTest {
    private static final int FRAME_TOKENS = 6;
    private static final int CHANNELS = 16;
    private static RecordingBackend backend;
    private static LtxModels models;
    private static LtxPipeline pipeline;
    private static Tensor image;

    @BeforeAll
    static void open() {
        backend = RecordingBackend.cpu();
        models = backend.tinyModels(false);
        pipeline = new LtxPipeline(models).recordingStepLatents();
        image = SafeTensors.read(PipelineParityTest.fixture("cases/pipeline_i2v/inputs.safetensors")).get("image_uint8");
    }

    @AfterAll
    static void close() {
        models.close();
    }

    @BeforeEach
    void clearCalls() {
        backend.clear();
    }

    private static GenerationRequest.Builder request(final int numFrames, final List<Double> timesteps) {
        return GenerationRequest.builder().prompt("a cat turns its head").numFrames(numFrames).height(64).width(96)
                .timesteps(timesteps).guidanceScale(1).maxLength(32).frameRate(25).compat(Compat.OFFICIAL);
    }

    private static GenerationResult latents(final GenerationRequest request) {
        final PromptPair prompts = pipeline.encodePrompts(request.promptSpec(), ProgressListener.NONE);
        return pipeline.generateLatents(request, prompts, new SeededNoise(11), ProgressListener.NONE);
    }

    private static float[] token(final Tensor packed, final int token) {
        final float[] values = packed.toFloatArray();
        return Arrays.copyOfRange(values, token * CHANNELS, (token + 1) * CHANNELS);
    }

    @Test
    void frameZeroAtFullStrengthNeverMovesWhileTheRestDenoises() {
        final GenerationRequest request = request(9, List.of(1.0, 0.9094, 0.725, 0.4219)).imageCondNoiseScale(0)
                .conditions(List.of(new Condition(image, 0, 1.0))).build();
        final GenerationResult result = latents(request);
        final List<RecordingBackend.Call> calls = backend.calls();
        assertEquals(4, calls.size());
        final Tensor start = calls.get(0).hiddenStates();
        for (int step = 0; step < 4; step++) {
            final Tensor after = result.stepLatents().get(step);
            final Tensor before = step == 0 ? start : result.stepLatents().get(step - 1);
            for (int n = 0; n < FRAME_TOKENS; n++) {
                assertArrayEquals(token(start, n), token(after, n), "frame-0 token " + n + " after step " + step);
                assertEquals(0f, calls.get(step).timestep().toFloatArray()[n], "frame-0 timestep");
            }
            for (int n = FRAME_TOKENS; n < 2 * FRAME_TOKENS; n++) {
                assertFalse(Arrays.equals(token(before, n), token(after, n)), "token " + n + " must move at step " + step);
                assertEquals((float) (double) request.timesteps().get(step), calls.get(step).timestep().toFloatArray()[n]);
            }
        }
        // The image shortcut is the same frame-0, strength-1 condition.
        final GenerationResult shortcut = latents(request(9, List.of(1.0, 0.9094, 0.725, 0.4219)).imageCondNoiseScale(0).image(image)
                .build());
        assertArrayEquals(result.latents().toFloatArray(), shortcut.latents().toFloatArray());
    }

    @Test
    void keyframeAtFrameEightPrependsOneLatentFrameOfTokensWithShiftedPositions() {
        final GenerationRequest request = request(17, List.of(1.0, 0.725)).conditions(List.of(new Condition(image, 8, 1.0))).build();
        final GenerationResult result = pipeline.generate(request, new SeededNoise(5), ProgressListener.NONE);
        final List<RecordingBackend.Call> calls = backend.calls();
        assertEquals(2, calls.size());
        final int gridTokens = 3 * FRAME_TOKENS;
        final int total = FRAME_TOKENS + gridTokens;
        assertArrayEquals(new long[] {1, total, CHANNELS}, calls.get(0).hiddenStates().shape());
        assertArrayEquals(new long[] {1, total}, calls.get(0).timestep().shape());
        // Spec §2.5/§6.2: extra token pixel frame = causal fix of latent frame 0 (0) + 8; grid frames 0, 1, 9.
        final float second = (float) (1.0 / 25);
        final float[] time = new float[total];
        final float[] rows = new float[total];
        final float[] columns = new float[total];
        final int[] pixelFrames = {8, 0, 1, 9};
        for (int n = 0; n < total; n++) {
            time[n] = pixelFrames[n / FRAME_TOKENS] * second;
            rows[n] = 32 * ((n % FRAME_TOKENS) / 3);
            columns[n] = 32 * (n % 3);
        }
        final float[] expected = new float[3 * total];
        System.arraycopy(time, 0, expected, 0, total);
        System.arraycopy(rows, 0, expected, total, total);
        System.arraycopy(columns, 0, expected, 2 * total, total);
        assertArrayEquals(new long[] {1, 3, total}, calls.get(0).videoCoords().shape());
        assertArrayEquals(expected, calls.get(0).videoCoords().toFloatArray());
        final float[] timesteps = calls.get(1).timestep().toFloatArray();
        for (int n = 0; n < total; n++) {
            assertEquals(n < FRAME_TOKENS ? 0f : 0.725f, timesteps[n], "timestep of token " + n);
        }
        // The extra tokens are dropped before unpacking and decoding.
        assertArrayEquals(new long[] {1, gridTokens, CHANNELS}, result.stepLatents().get(1).shape());
        assertArrayEquals(new long[] {1, CHANNELS, 3, 2, 3}, result.latents().shape());
        assertArrayEquals(new long[] {17, 64, 96, 3}, result.frames().shape());
    }

    @Test
    void halfStrengthTokensWaitUntilTimeFallsBelowOneMinusStrength() {
        // The tiny checkpoint only allows its distilled list; 0.4219 is the first value below 1 - 0.5.
        final List<Double> timesteps = List.of(1.0, 0.9094, 0.725, 0.4219);
        final GenerationRequest request = request(9, timesteps).conditions(List.of(new Condition(image, 0, 0.5))).build();
        final GenerationResult result = latents(request);
        final List<RecordingBackend.Call> calls = backend.calls();
        assertEquals(4, calls.size());
        for (int step = 0; step < 4; step++) {
            final float t = (float) (double) timesteps.get(step);
            final Tensor before = calls.get(step).hiddenStates();
            final Tensor after = result.stepLatents().get(step);
            final boolean waits = !(t < 0.5f + 1e-6f);
            for (int n = 0; n < 2 * FRAME_TOKENS; n++) {
                final boolean conditioned = n < FRAME_TOKENS;
                assertEquals(conditioned ? Math.min(t, 0.5f) : t, calls.get(step).timestep().toFloatArray()[n], "timestep");
                final boolean kept = Arrays.equals(token(before, n), token(after, n));
                assertEquals(conditioned && waits, kept, "token " + n + " at t=" + t + (kept ? " kept" : " moved"));
            }
        }
    }

    /** The image repeated {@code frames} times as a uint8 clip [F, H, W, 3]. */
    private static Tensor clip(final int frames) {
        final byte[] frame = image.toByteArray();
        final byte[] bytes = new byte[frame.length * frames];
        for (int f = 0; f < frames; f++) {
            System.arraycopy(frame, 0, bytes, f * frame.length, frame.length);
        }
        return Tensor.ofBytes(DType.U8, new long[] {frames, image.dim(0), image.dim(1), 3}, bytes);
    }

    private static float[] timestepsOfCall(final int call) {
        return backend.calls().get(call).timestep().toFloatArray();
    }

    @Test
    void clipAtFrameZeroExtendsAVideoByPinningItsLatentFrames() {
        // 9 frames at frame 0 of a 17-frame video: latent frames 0 and 1 are the clip, frame 2 is generated; no extra tokens.
        final GenerationRequest request = request(17, List.of(1.0, 0.725)).conditions(List.of(new Condition(clip(9), 0, 1.0))).build();
        latents(request);
        assertArrayEquals(new long[] {1, 3 * FRAME_TOKENS, CHANNELS}, backend.calls().get(0).hiddenStates().shape());
        final float[] timesteps = timestepsOfCall(1);
        for (int n = 0; n < 3 * FRAME_TOKENS; n++) {
            assertEquals(n < 2 * FRAME_TOKENS ? 0f : 0.725f, timesteps[n], "timestep of token " + n);
        }
    }

    @Test
    void longClipAfterFrameZeroSplitsIntoPrefixTokensAndGridFrames() {
        // 17 frames (3 latent frames) at frame 8 of a 25-frame video (4 latent frames): latent frames 0-1 of the clip become
        // 12 extra tokens at pixel frames 8 and 9, latent frame 2 goes into the grid at 8/8 + 2 = 3.
        final GenerationRequest request = request(25, List.of(1.0, 0.725)).conditions(List.of(new Condition(clip(17), 8, 1.0)))
                .build();
        final GenerationResult result = latents(request);
        final int extra = 2 * FRAME_TOKENS;
        final int total = extra + 4 * FRAME_TOKENS;
        assertArrayEquals(new long[] {1, total, CHANNELS}, backend.calls().get(0).hiddenStates().shape());
        final float second = (float) (1.0 / 25);
        final float[] coords = backend.calls().get(0).videoCoords().toFloatArray();
        final int[] pixelFrames = {8, 9, 0, 1, 9, 17};
        for (int n = 0; n < total; n++) {
            assertEquals(pixelFrames[n / FRAME_TOKENS] * second, coords[n], "time of token " + n);
        }
        final float[] timesteps = timestepsOfCall(1);
        for (int n = 0; n < total; n++) {
            final boolean pinned = n < extra || n >= extra + 3 * FRAME_TOKENS;
            assertEquals(pinned ? 0f : 0.725f, timesteps[n], "timestep of token " + n);
        }
        assertArrayEquals(new long[] {1, CHANNELS, 4, 2, 3}, result.latents().shape());
    }
}
