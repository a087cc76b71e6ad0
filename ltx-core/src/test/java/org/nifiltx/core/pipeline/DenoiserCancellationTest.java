package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** A listener that answers {@code cancelled()} stops the denoising loop before the next transformer call. */
class DenoiserCancellationTest {
    private static final int TOKENS = 2;
    private static final int CHANNELS = 4;

    /** Predicts zero velocity and counts its calls. */
    private static final class ZeroTransformer implements ComponentRunner {
        private int calls;

        @Override
        public TensorBundle run(final TensorBundle inputs) {
            calls++;
            final long[] shape = inputs.get("hidden_states").shape();
            return TensorBundle.of(Map.of("out", Tensor.ofFloats(shape, new float[(int) Tensor.numel(shape)])));
        }

        @Override
        public void close() {
        }
    }

    /** Records finished steps and asks to stop once {@code stopAfter} are done. */
    private static final class StoppingListener implements ProgressListener {
        private final int stopAfter;
        private final List<Integer> done = new ArrayList<>();

        StoppingListener(final int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public void stageStarted(final String stage, final int totalSteps) {
        }

        @Override
        public void stepDone(final String stage, final int step, final int totalSteps) {
            done.add(step);
        }

        @Override
        public boolean cancelled() {
            return done.size() >= stopAfter;
        }
    }

    /** Runs three steps; returns the latents seen after each step that ran. */
    private static List<float[]> run(final ComponentRunner transformer, final ProgressListener progress) {
        final DenoisePass pass = new DenoisePass(new float[TOKENS * CHANNELS], 1, 1, TOKENS, new float[] {1f, 0.75f, 0.5f},
                StepRule.GLOBAL, null, Tensor.ofFloats(new long[] {1, 3, TOKENS}, new float[3 * TOKENS]));
        final PromptEmbeddings prompt = new PromptEmbeddings(Tensor.ofFloats(new long[] {1, 2, 3}, new float[6]),
                Tensor.ofLongs(new long[] {1, 2}, new long[] {1, 1}));
        final GenerationRequest request = GenerationRequest.builder().prompt("a boat").guidanceScale(1).build();
        final PassSettings settings = PassSettings.of(3, List.of(1.0, 0.75, 0.5), GuidanceSchedule.constant(1, 0, 0, List.of()));
        final List<float[]> steps = new java.util.ArrayList<>();
        new Denoiser(transformer, 1).run(pass, prompt, null, request, settings, 1, new SeededNoise(0), null, progress, "denoise",
                steps::add);
        return steps;
    }

    @Test
    void aListenerThatNeverCancelsRunsEveryStep() {
        final ZeroTransformer transformer = new ZeroTransformer();
        final StoppingListener listener = new StoppingListener(Integer.MAX_VALUE);
        assertEquals(3, run(transformer, listener).size());
        assertEquals(3, transformer.calls);
        assertEquals(List.of(1, 2, 3), listener.done);
    }

    @Test
    void cancellingAfterTheFirstStepStopsBeforeTheSecondTransformerCall() {
        final ZeroTransformer transformer = new ZeroTransformer();
        final StoppingListener listener = new StoppingListener(1);
        final LtxException e = assertThrows(LtxException.class, () -> run(transformer, listener));
        assertEquals(LtxErrorCode.CANCELLED, e.code());
        assertEquals("denoise stopped before step 2 of 3", e.getMessage());
        assertEquals(1, transformer.calls);
        assertEquals(List.of(1), listener.done);
    }

    @Test
    void theDefaultListenerNeverCancels() {
        assertEquals(false, ProgressListener.NONE.cancelled());
    }
}
