package org.nifiltx.onnx.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.latent.LatentFilters;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.GuidanceSchedule;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.PassSettings;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.pipeline.SuppliedNoise;
import org.nifiltx.core.schedule.RectifiedFlowConfig;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;

/**
 * The official sampling options on the tiny model (official semantics, 64x96, 9 frames: 12 tokens of 16 channels, 2
 * transformer blocks): per-step guidance, cfg-star, stochastic sampling, skipped steps and the tone map.
 */
class PassSettingsPipelineTest {
    private static final int TOKENS = 12;
    private static final int CHANNELS = 16;
    private static final long[] PACKED = {1, TOKENS, CHANNELS};
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

    private static GenerationRequest.Builder request(final PassSettings first) {
        return GenerationRequest.builder().prompt("a fox in the snow").numFrames(9).height(64).width(96).maxLength(32).frameRate(25)
                .compat(Compat.OFFICIAL).firstPass(first);
    }

    private static GenerationResult latents(final GenerationRequest request, final NoiseSource noise) {
        final PromptPair prompts = pipeline.encodePrompts(request.promptSpec(), ProgressListener.NONE);
        return pipeline.generateLatents(request, prompts, noise, ProgressListener.NONE);
    }

    private static PassSettings pass(final List<Double> timesteps, final GuidanceSchedule guidance, final boolean cfgStar,
            final boolean stochastic) {
        return new PassSettings(timesteps.size(), timesteps, null, guidance, 0, 0, cfgStar, stochastic, 0.0);
    }

    @Test
    void thePerStepScheduleSwitchesTheBatchAndTheSkippedBlocks() {
        final GuidanceSchedule schedule = new GuidanceSchedule(List.of(1.0, 0.95, 0.8), List.of(1.0, 3.0, 1.0),
                List.of(0.0, 2.0, 1.0), List.of(1.0, 0.7, 1.0), List.of(List.of(), List.of(1), List.of(0, 1)));
        final List<Double> timesteps = List.of(1.0, 0.9937, 0.9094, 0.725);
        final GenerationResult result = latents(request(pass(timesteps, schedule, false, false)).build(), new SeededNoise(4));
        final List<RecordingBackend.Call> calls = backend.calls();
        // t = 1.0: interval 0 (guidance off); 0.9937: interval 1 (CFG + STG on block 1); 0.9094: interval 2 (its start 0.8 is
        // the first <= t; STG only, blocks 0 and 1); 0.725 lies below every start: the last interval
        assertEquals(List.of(1L, 3L, 2L, 2L), calls.stream().map(call -> call.hiddenStates().dim(0)).toList());
        assertNull(calls.get(0).skipLayerMask());
        // [layers, batch]: only the perturbed (last) entry of a listed block is 0
        assertArrayEquals(new long[] {2, 3}, calls.get(1).skipLayerMask().shape());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 0}, calls.get(1).skipLayerMask().toFloatArray());
        assertArrayEquals(new float[] {1, 0, 1, 0}, calls.get(2).skipLayerMask().toFloatArray());
        assertArrayEquals(new float[] {1, 0, 1, 0}, calls.get(3).skipLayerMask().toFloatArray());
        // the first step equals a run with that interval's constant guidance
        backend.clear();
        final GenerationResult constant = latents(request(pass(timesteps, GuidanceSchedule.constant(1.0, 0.0, 1.0, List.of()), false,
                false)).build(), new SeededNoise(4));
        assertArrayEquals(constant.stepLatents().get(0).toFloatArray(), result.stepLatents().get(0).toFloatArray());
        assertFalse(Arrays.equals(constant.stepLatents().get(1).toFloatArray(), result.stepLatents().get(1).toFloatArray()));
    }

    @Test
    void cfgStarRescalesTheUnconditionalPredictionAsComputedByHand() {
        final GuidanceSchedule guidance = GuidanceSchedule.constant(3.0, 0.0, 1.0, List.of());
        final List<Double> timesteps = List.of(1.0, 0.9094);
        final GenerationResult off = latents(request(pass(timesteps, guidance, false, false)).build(), new SeededNoise(6));
        backend.clear();
        final GenerationResult on = latents(request(pass(timesteps, guidance, true, false)).build(), new SeededNoise(6));
        final RecordingBackend.Call first = backend.calls().get(0);
        assertEquals(2, first.hiddenStates().dim(0));
        final float[] prediction = first.output().toFloatArray();
        final int size = TOKENS * CHANNELS;
        final float[] x = Arrays.copyOfRange(first.hiddenStates().toFloatArray(), 0, size);
        double dot = 0;
        double norm = 0;
        for (int i = 0; i < size; i++) {
            dot += (double) prediction[size + i] * prediction[i];
            norm += (double) prediction[i] * prediction[i];
        }
        final double alpha = dot / (norm + 1e-8);
        final float[] expected = new float[size];
        for (int i = 0; i < size; i++) {
            final double uncond = alpha * prediction[i];
            final double velocity = uncond + 3.0 * (prediction[size + i] - uncond);
            expected[i] = (float) (x[i] - (1.0 - 0.9094f) * velocity);
        }
        Parity.assertClose(expected, on.stepLatents().get(0).toFloatArray(), "cfg-star step 0");
        final double difference = maxDifference(off.stepLatents().get(0).toFloatArray(), on.stepLatents().get(0).toFloatArray());
        assertTrue(difference > 1e-3, "cfg-star must change the step, max difference " + difference);
    }

    @Test
    void stochasticSamplingWithZeroNoiseStepsToTheScaledCleanPrediction() {
        final List<Double> timesteps = List.of(1.0, 0.9094, 0.725);
        final GuidanceSchedule off = GuidanceSchedule.constant(1.0, 0.0, 1.0, List.of());
        final Tensor initial = new SeededNoise(8).draw(NoiseSource.INITIAL_LATENTS, PACKED);
        final GenerationResult deterministic = latents(request(pass(timesteps, off, false, false)).build(),
                new SuppliedNoise(TensorBundle.of(Map.of(NoiseSource.INITIAL_LATENTS, initial)), null));
        final float[] firstVelocity = backend.calls().get(0).output().toFloatArray();
        final Map<String, Tensor> zeros = new LinkedHashMap<>();
        zeros.put(NoiseSource.INITIAL_LATENTS, initial);
        for (int step = 0; step < 3; step++) {
            zeros.put(NoiseSource.stochasticNoise(1, step), Tensor.ofFloats(PACKED, new float[TOKENS * CHANNELS]));
        }
        backend.clear();
        final GenerationResult stochastic = latents(request(pass(timesteps, off, false, true)).build(),
                new SuppliedNoise(TensorBundle.of(zeros), null));
        // with zero noise a step is (1 - t') (x - t v): the first steps of both runs see the same x and v
        final float[] x = initial.toFloatArray();
        final float next = 0.9094f;
        final float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = (1f - next) * (x[i] - 1f * firstVelocity[i]);
        }
        Parity.assertClose(expected, stochastic.stepLatents().get(0).toFloatArray(), "stochastic step 0");
        assertTrue(maxDifference(deterministic.stepLatents().get(0).toFloatArray(), expected) > 1e-3);
        // the last step goes to t' = 0: the clean prediction x - t v of that call
        final RecordingBackend.Call last = backend.calls().get(2);
        final float[] lastX = last.hiddenStates().toFloatArray();
        final float[] lastV = last.output().toFloatArray();
        final float[] clean = new float[lastX.length];
        for (int i = 0; i < clean.length; i++) {
            clean[i] = lastX[i] - 0.725f * lastV[i];
        }
        Parity.assertClose(clean, stochastic.stepLatents().get(2).toFloatArray(), "stochastic last step");
        // each step draws its own named noise
        final LtxException missing = assertThrows(LtxException.class, () -> latents(request(pass(timesteps, off, false, true)).build(),
                new SuppliedNoise(TensorBundle.of(Map.of(NoiseSource.INITIAL_LATENTS, initial)), null)));
        assertEquals("noise file lacks 'stochastic_noise_1_0' of shape [1, 12, 16]", missing.getMessage());
    }

    @Test
    void skippedStepsSliceTheComputedSchedule() {
        // the linear-quadratic 8-step schedule, whose 4-decimal roundings are the distilled 0.9.8 lists
        final float[] linearQuadratic = {1.0f, 0.99375f, 0.9875f, 0.98125f, 0.975f, 0.909375f, 0.725f, 0.421875f};
        final GuidanceSchedule off = GuidanceSchedule.constant(1.0, 0.0, 1.0, List.of());
        final PassSettings dropLast = new PassSettings(8, null, RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC, off, 0, 1, false, false, 0);
        final GenerationResult single = latents(request(dropLast).build(), new SeededNoise(9));
        assertArrayEquals(Arrays.copyOf(linearQuadratic, 7), single.sigmas().get(0));
        assertEquals(7, single.stepLatents().size());
        assertEquals(7, backend.calls().size());
        // nothing conditioned: one timestep per batch entry
        assertArrayEquals(new float[] {0.99375f}, backend.calls().get(1).timestep().toFloatArray());

        backend.clear();
        final PassSettings dropFirst = new PassSettings(8, null, RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC, off, 5, 0, false, false, 0);
        final GenerationRequest multiScale = request(PassSettings.of(2, List.of(1.0, 0.725), off)).secondPass(dropFirst).multiScale(true)
                .height(128).width(192).build();
        final GenerationResult twoPasses = latents(multiScale, new SeededNoise(9));
        assertArrayEquals(new float[] {0.909375f, 0.725f, 0.421875f}, twoPasses.sigmas().get(1));
        assertEquals(5, backend.calls().size());
    }

    @Test
    void theToneMapIsAppliedOnceAfterTheDecodeNoiseBeforeTheVae() {
        final float scale = 0.025f;
        final double ratio = 0.6;
        final PassSettings toneMapped = PassSettings.of(2, List.of(1.0, 0.725), GuidanceSchedule.constant(1.0, 0.0, 1.0, List.of()))
                .withToneMap(ratio);
        final long[] latentShape = {1, CHANNELS, 2, 2, 3};
        final Tensor eps = new SeededNoise(12).draw(NoiseSource.DECODE_NOISE, latentShape);
        final NoiseSource noise = new SuppliedNoise(TensorBundle.of(Map.of(NoiseSource.DECODE_NOISE, eps)), new SeededNoise(12));
        final GenerationRequest request = request(toneMapped).decodeNoiseScale(scale).build();
        final GenerationResult result = pipeline.generate(request, noise, ProgressListener.NONE);
        // by hand: the decode noise mix, the tone map, then a decode that adds neither
        final float[] values = result.latents().toFloatArray();
        final float[] noiseValues = eps.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = values[i] * (1f - scale) + scale * noiseValues[i];
        }
        final Tensor mapped = LatentFilters.toneMap(Tensor.ofFloats(latentShape, values), ratio);
        final GenerationRequest plain = request(toneMapped.withToneMap(0)).decodeNoiseScale(0).build();
        final Tensor expected = pipeline.decode(mapped, plain.decodeSpec(), noise, ProgressListener.NONE);
        assertArrayEquals(expected.toByteArray(), result.frames().toByteArray());
        final Tensor withoutToneMap = pipeline.decode(Tensor.ofFloats(latentShape, values), plain.decodeSpec(), noise, ProgressListener.NONE);
        assertFalse(Arrays.equals(withoutToneMap.toByteArray(), result.frames().toByteArray()), "the tone map must change the frames");
    }

    private static double maxDifference(final float[] a, final float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
