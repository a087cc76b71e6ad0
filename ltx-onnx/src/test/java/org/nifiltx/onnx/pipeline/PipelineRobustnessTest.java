package org.nifiltx.onnx.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.pipeline.SuppliedNoise;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Bad supplied noise, CFG without a negative prompt, and the multi-scale path end to end on the tiny model. */
class PipelineRobustnessTest {
    private static final int CHANNELS = 16;
    private static RecordingBackend backend;
    private static LtxModels models;
    private static LtxPipeline pipeline;

    @BeforeAll
    static void open() {
        backend = RecordingBackend.cpu();
        models = backend.tinyModels(true);
        pipeline = new LtxPipeline(models).recordingStepLatents();
    }

    @AfterAll
    static void close() {
        models.close();
    }

    @BeforeEach
    void clearCalls() {
        backend.clear();
    }

    private static GenerationRequest.Builder request() {
        return GenerationRequest.builder().prompt("a cat turns its head").numFrames(9).height(64).width(96)
                .timesteps(List.of(1.0, 0.725)).guidanceScale(1).maxLength(32).compat(Compat.OFFICIAL);
    }

    private static LtxException generateWith(final Tensor initialLatents) {
        final GenerationRequest request = request().build();
        final PromptPair prompts = pipeline.encodePrompts(request.promptSpec(), ProgressListener.NONE);
        final NoiseSource noise = new SuppliedNoise(TensorBundle.of(Map.of(NoiseSource.INITIAL_LATENTS, initialLatents)),
                new SeededNoise(1));
        return assertThrows(LtxException.class, () -> pipeline.generateLatents(request, prompts, noise, ProgressListener.NONE));
    }

    @Test
    void nonFiniteSuppliedNoiseIsRejectedByName() {
        final float[] values = new float[12 * CHANNELS];
        values[37] = Float.NaN;
        final LtxException e = generateWith(Tensor.ofFloats(new long[] {1, 12, CHANNELS}, values));
        assertEquals(LtxErrorCode.NON_FINITE, e.code());
        assertEquals("tensor 'initial_latents' holds NaN at flat index 37; every value must be finite", e.getMessage());
        assertTrue(backend.calls().isEmpty(), "no transformer call may run on bad noise");
    }

    @Test
    void suppliedNoiseOfTheWrongShapeIsRejected() {
        final LtxException e = generateWith(Tensor.ofFloats(new long[] {1, 5, CHANNELS}, new float[5 * CHANNELS]));
        assertEquals(LtxErrorCode.INVALID_TENSOR, e.code());
        assertEquals("noise 'initial_latents' has shape [1, 5, 16], this generation needs [1, 12, 16]", e.getMessage());
    }

    /** Chosen behaviour: guidance > 1 with no negative prompt guides against the empty prompt "" (as diffusers does). */
    @Test
    void guidanceWithoutANegativePromptUsesTheEmptyPrompt() {
        final PromptPair none = pipeline.encodePrompts(request().guidanceScale(3).negativePrompt(null).build().promptSpec(), ProgressListener.NONE);
        final PromptPair empty = pipeline.encodePrompts(request().guidanceScale(3).negativePrompt("").build().promptSpec(), ProgressListener.NONE);
        final PromptPair standard = pipeline.encodePrompts(request().guidanceScale(3).build().promptSpec(), ProgressListener.NONE);
        assertArrayEquals(empty.negative().embeddings().toFloatArray(), none.negative().embeddings().toFloatArray());
        assertArrayEquals(empty.negative().attentionMask().toLongArray(), none.negative().attentionMask().toLongArray());
        assertFalse(Arrays.equals(standard.negative().embeddings().toFloatArray(), none.negative().embeddings().toFloatArray()),
                "the default negative prompt must not be used when none is given");
        final GenerationResult result = pipeline.generateLatents(request().guidanceScale(3).negativePrompt(null).build(), none,
                new SeededNoise(2), ProgressListener.NONE);
        assertEquals(2, result.stepLatents().size());
        assertEquals(2, backend.calls().get(0).hiddenStates().dim(0), "one unconditional and one conditional batch entry");
    }

    @Test
    void multiScaleRunsEndToEndAndTheUpsampledLatentsCarryTheFirstPassStatistics() {
        // 128x192 x 0.6666666: int(85.3) = 85 -> 64, int(127.99) = 127 -> 96; latent 2x3 then 4x6 per frame.
        final GenerationRequest request = request().height(128).width(192).multiScale(true).timesteps(List.of(1.0, 0.9094, 0.725))
                .build();
        final int firstTokens = 2 * 2 * 3;
        final int secondTokens = 2 * 4 * 6;
        // Zero second-pass noise makes the second pass start at exactly (1 - t0) x the upsampled latents.
        final NoiseSource noise = new SuppliedNoise(TensorBundle.of(Map.of("second_pass_noise",
                Tensor.ofFloats(new long[] {1, secondTokens, CHANNELS}, new float[secondTokens * CHANNELS]))), new SeededNoise(3));
        final GenerationResult result = pipeline.generate(request, noise, ProgressListener.NONE);
        assertArrayEquals(new long[] {9, 128, 192, 3}, result.frames().shape());
        assertArrayEquals(new long[] {1, CHANNELS, 2, 4, 6}, result.latents().shape());
        assertEquals(6, result.stepLatents().size());
        for (int step = 0; step < 6; step++) {
            assertArrayEquals(new long[] {1, step < 3 ? firstTokens : secondTokens, CHANNELS}, result.stepLatents().get(step).shape());
        }
        final float t0 = (float) GenerationRequest.DISTILLED_SECOND_PASS.get(0).doubleValue();
        final float[] start = backend.calls().get(3).hiddenStates().toFloatArray();
        final float[] upsampled = new float[start.length];
        for (int i = 0; i < start.length; i++) {
            upsampled[i] = start[i] / (1f - t0);
        }
        final float[] firstPass = result.stepLatents().get(2).toFloatArray();
        for (int c = 0; c < CHANNELS; c++) {
            final double[] reference = channelStatistics(firstPass, c);
            final double[] actual = channelStatistics(upsampled, c);
            assertEquals(reference[0], actual[0], 1e-4, "mean of channel " + c);
            assertEquals(reference[1], actual[1], 1e-4, "std of channel " + c);
        }
    }

    /** Mean and unbiased standard deviation of one channel of packed [1, N, C] latents, as AdaIN computes them. */
    private static double[] channelStatistics(final float[] packed, final int channel) {
        final int tokens = packed.length / CHANNELS;
        double sum = 0;
        for (int n = 0; n < tokens; n++) {
            sum += packed[n * CHANNELS + channel];
        }
        final double mean = sum / tokens;
        double squares = 0;
        for (int n = 0; n < tokens; n++) {
            final double d = packed[n * CHANNELS + channel] - mean;
            squares += d * d;
        }
        return new double[] {mean, Math.sqrt(squares / (tokens - 1))};
    }

    @Test
    void aPipelineKeepsNoPerStepHistoryUnlessAsked() {
        final PromptPair prompts = pipeline.encodePrompts(request().build().promptSpec(), ProgressListener.NONE);
        final GenerationRequest request = request().build();
        final GenerationResult plain = new LtxPipeline(models).generateLatents(request, prompts, new SeededNoise(5), ProgressListener.NONE);
        final GenerationResult recorded = pipeline.generateLatents(request, prompts, new SeededNoise(5), ProgressListener.NONE);
        assertEquals(List.of(), plain.stepLatents());
        assertEquals(2, plain.steps());
        assertEquals(2, recorded.stepLatents().size());
        assertEquals(2, recorded.steps());
        assertArrayEquals(recorded.latents().toFloatArray(), plain.latents().toFloatArray(), "recording changes nothing else");
        assertArrayEquals(recorded.stepLatents().get(1).toFloatArray(),
                org.nifiltx.core.latent.LatentLayout.pack(plain.latents()).toFloatArray(), "the last step is the result");
    }
}
