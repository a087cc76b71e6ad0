package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The transformer gets one timestep per batch entry unless a conditioning mask makes the tokens' timesteps differ: a
 * [B,T] timestep made every block's modulation [B,T,6,D], all blocks' at once (8 GB more for 2B at 768x512x121).
 */
class DenoiserTimestepTest {
    private static final int TOKENS = 3;
    private static final int CHANNELS = 2;

    /** Predicts a constant velocity; records every timestep it is given. */
    private static final class RecordingTransformer implements ComponentRunner {
        private final List<Tensor> timesteps = new ArrayList<>();

        @Override
        public TensorBundle run(final TensorBundle inputs) {
            timesteps.add(inputs.get("timestep"));
            final long[] shape = inputs.get("hidden_states").shape();
            final float[] velocity = new float[(int) Tensor.numel(shape)];
            java.util.Arrays.fill(velocity, 0.5f);
            return TensorBundle.of(Map.of("out", Tensor.ofFloats(shape, velocity)));
        }

        @Override
        public void close() {
        }
    }

    private static float[] run(final RecordingTransformer transformer, final StepRule rule, final float[] mask) {
        final DenoisePass pass = new DenoisePass(new float[TOKENS * CHANNELS], 1, 1, TOKENS, new float[] {1f, 0.5f},
                rule, mask, Tensor.ofFloats(new long[] {1, 3, TOKENS}, new float[3 * TOKENS]));
        final PromptEmbeddings prompt = new PromptEmbeddings(Tensor.ofFloats(new long[] {1, 2, 3}, new float[6]),
                Tensor.ofLongs(new long[] {1, 2}, new long[] {1, 1}));
        final GenerationRequest request = GenerationRequest.builder().prompt("a boat").guidanceScale(1).build();
        final PassSettings settings = PassSettings.of(2, List.of(1.0, 0.5), GuidanceSchedule.constant(1, 0, 0, List.of()));
        final List<float[]> steps = new ArrayList<>();
        new Denoiser(transformer, 1).run(pass, prompt, null, request, settings, 1, new SeededNoise(0), null,
                ProgressListener.NONE, "denoise", steps::add);
        return steps.get(steps.size() - 1);
    }

    @Test
    void withoutConditioningEveryRuleGivesOneTimestepPerBatchEntryAndTheSameLatents() {
        final RecordingTransformer perToken = new RecordingTransformer();
        final float[] perTokenLatents = run(perToken, StepRule.PER_TOKEN, null);
        assertEquals(2, perToken.timesteps.size());
        for (final Tensor t : perToken.timesteps) {
            assertArrayEquals(new long[] {1}, t.shape());
        }
        assertArrayEquals(new float[] {1f}, perToken.timesteps.get(0).toFloatArray());
        assertArrayEquals(new float[] {0.5f}, perToken.timesteps.get(1).toFloatArray());
        // the per-token step still runs (official arithmetic), and lands where the global rule does
        final float[] global = run(new RecordingTransformer(), StepRule.GLOBAL, null);
        assertArrayEquals(global, perTokenLatents, 1e-7f);
    }

    @Test
    void aConditioningMaskGivesEachTokenItsOwnTimestep() {
        final RecordingTransformer transformer = new RecordingTransformer();
        run(transformer, StepRule.PER_TOKEN, new float[] {1f, 0f, 0.25f});
        final Tensor first = transformer.timesteps.get(0);
        assertArrayEquals(new long[] {1, TOKENS}, first.shape());
        // min(t, 1 - strength) per token at t = 1
        assertArrayEquals(new float[] {0f, 1f, 0.75f}, first.toFloatArray());
    }
}
