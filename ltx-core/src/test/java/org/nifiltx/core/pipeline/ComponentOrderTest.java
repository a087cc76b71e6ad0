package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * {@link LtxPipeline#generate} opens and closes the large components in the order the memory budget requires: with a
 * small budget the text encoder is closed before the transformer opens and the transformer before the VAE decoder
 * opens; with a large one they stay open until the models close. The backend is a fake that records every open and
 * close and answers with zeros of the right shapes.
 */
class ComponentOrderTest {
    /** Opens runners that record their lifecycle in {@link #events}. */
    private static final class RecordingBackend implements Backend {
        final List<String> events = new ArrayList<>();
        /** Also record each run ("run transformer"). */
        boolean recordRuns;

        @Override
        public boolean handles(final String backendName) {
            return true;
        }

        @Override
        public String unavailableReason(final BackendOptions options) {
            return null;
        }

        @Override
        public ComponentRunner textEncoder(final T5Config config, final WeightStore weights, final boolean useMask,
                final BackendOptions options) {
            return runner("text encoder", in -> {
                final long[] ids = in.get("input_ids").shape();
                return Map.of("last_hidden_state", zeros(ids[0], ids[1], config.dModel()));
            });
        }

        @Override
        public ComponentRunner transformer(final LtxCheckpoint checkpoint, final BackendOptions options) {
            return runner("transformer", in -> Map.of("out", zeros(in.get("hidden_states").shape())));
        }

        @Override
        public ComponentRunner vaeDecoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
            return runner("vae decoder", in -> {
                final long[] z = in.get("latents_normalized").shape();
                return Map.of("video", zeros(z[0], 3, 8 * (z[2] - 1) + 1, 32 * z[3], 32 * z[4]));
            });
        }

        @Override
        public ComponentRunner vaeEncoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
            return runner("vae encoder", in -> {
                final long[] video = in.get("video").shape();
                final int spatial = checkpoint.vaeConfig().spatialCompression();
                final long[] latents = {video[0], checkpoint.vaeConfig().latentChannels(),
                    (video[2] - 1) / checkpoint.vaeConfig().temporalCompression() + 1, video[3] / spatial, video[4] / spatial};
                return Map.of("latent_mean", zeros(latents), "latent_logvar", zeros(latents));
            });
        }

        private ComponentRunner runner(final String name, final java.util.function.Function<TensorBundle, Map<String, Tensor>> run) {
            events.add("open " + name);
            return new ComponentRunner() {
                @Override
                public TensorBundle run(final TensorBundle inputs) {
                    if (recordRuns) {
                        events.add("run " + name);
                    }
                    return TensorBundle.of(run.apply(inputs));
                }

                @Override
                public void close() {
                    events.add("close " + name);
                }
            };
        }
    }

    private static Tensor zeros(final long... shape) {
        return Tensor.ofFloats(shape, new float[Math.toIntExact(Tensor.numel(shape))]);
    }

    private static final GenerationRequest REQUEST = GenerationRequest.builder().prompt("a red fox").numFrames(9).height(64)
            .width(96).timesteps(List.of(1.0, 0.725)).guidanceScale(1).maxLength(16).build();

    private static List<String> generate(final long budgetBytes) {
        return generate(budgetBytes, REQUEST, false);
    }

    private static List<String> generate(final long budgetBytes, final GenerationRequest request, final boolean recordRuns) {
        final RecordingBackend backend = new RecordingBackend();
        backend.recordRuns = recordRuns;
        try (LtxModels models = new LtxModels(LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")),
                TextEncoderModel.open(TinyFixtures.path("model/diffusers")), null, backend,
                BackendOptions.cpu().withMemoryBudget(budgetBytes))) {
            final GenerationResult result = new LtxPipeline(models).generate(request, new SeededNoise(0), ProgressListener.NONE);
            assertEquals(List.of(9L, 64L, 96L, 3L), List.of(result.frames().dim(0), result.frames().dim(1),
                    result.frames().dim(2), result.frames().dim(3)));
            backend.events.add("models closed");
        } finally {
            backend.events.add("done");
        }
        return backend.events;
    }

    @Test
    void aSmallBudgetOpensOneLargeComponentAtATime() {
        assertEquals(List.of("open text encoder", "close text encoder", "open transformer", "close transformer",
                "open vae decoder", "models closed", "close vae decoder", "done"), generate(1));
    }

    @Test
    void aLargeBudgetKeepsEveryComponentOpenUntilTheModelsClose() {
        assertEquals(List.of("open text encoder", "open transformer", "open vae decoder", "models closed",
                "close text encoder", "close transformer", "close vae decoder", "done"), generate(Long.MAX_VALUE / 4));
    }

    @Test
    void aTextEncoderThatFitsBesideTheTransformerIsClosedBeforeTheDecodeWhenTheDecodeNeedsItsMemory() {
        final long budget;
        try (LtxModels models = new LtxModels(LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")),
                TextEncoderModel.open(TinyFixtures.path("model/diffusers")), null, new RecordingBackend(),
                BackendOptions.cpu().withMemoryBudget(1))) {
            final MemoryPlan plan = models.memoryPlan();
            final MemoryEstimate estimate = MemoryEstimate.of(REQUEST, models.checkpoint().transformerConfig(),
                    models.checkpoint().vaeConfig());
            // the transformer, its denoising memory, the decoder and the decode fit exactly; the text encoder does not
            budget = plan.transformerBytes() + (long) estimate.denoisingBytes() + plan.vaeDecoderBytes()
                    + (long) Math.ceil(estimate.decodingBytes()) + 1;
            assertTrue(budget >= plan.textEncoderBytes() + plan.transformerBytes(), "T5 and the transformer fit together");
        }
        assertEquals(List.of("open text encoder", "open transformer", "close text encoder", "open vae decoder", "models closed",
                "close transformer", "close vae decoder", "done"), generate(budget));
    }

    @Test
    void anImageToVideoGenerationClosesTheVaeEncoderBeforeDenoising() {
        final GenerationRequest request = GenerationRequest.builder().prompt("a red fox").numFrames(9).height(64).width(96)
                .timesteps(List.of(1.0, 0.725)).guidanceScale(1).maxLength(16)
                .image(Tensor.ofBytes(org.nifiltx.core.tensor.DType.U8, new long[] {64, 96, 3}, new byte[64 * 96 * 3])).build();
        // a large budget keeps every other component open: the encoder is closed for its own sake, once used
        final List<String> events = generate(Long.MAX_VALUE / 4, request, true).stream()
                .filter(e -> !e.contains("text encoder")).toList();
        assertEquals(List.of("open transformer", "open vae encoder", "run vae encoder", "close vae encoder",
                "run transformer", "run transformer", "open vae decoder", "run vae decoder", "models closed",
                "close transformer", "close vae decoder", "done"), events);
    }

    @Test
    void generatingLatentsAloneKeepsTheVaeEncoderForTheNextRequest() {
        final RecordingBackend backend = new RecordingBackend();
        final GenerationRequest request = GenerationRequest.builder().prompt("a red fox").numFrames(9).height(64).width(96)
                .timesteps(List.of(1.0)).guidanceScale(1).maxLength(16)
                .image(Tensor.ofBytes(org.nifiltx.core.tensor.DType.U8, new long[] {64, 96, 3}, new byte[64 * 96 * 3])).build();
        try (LtxModels models = new LtxModels(LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")),
                TextEncoderModel.open(TinyFixtures.path("model/diffusers")), null, backend, BackendOptions.cpu())) {
            final LtxPipeline pipeline = new LtxPipeline(models);
            final PromptPair prompts = pipeline.encodePrompts(request.promptSpec(), ProgressListener.NONE);
            pipeline.generateLatents(request, prompts, new SeededNoise(0), ProgressListener.NONE);
            pipeline.generateLatents(request, prompts, new SeededNoise(1), ProgressListener.NONE);
            backend.events.add("models closed");
        }
        assertEquals(List.of("open text encoder", "open transformer", "open vae encoder", "models closed",
                "close text encoder", "close transformer", "close vae encoder"), backend.events);
    }

    @Test
    void theVaeEncoderIsReleasedAndReopenedOnDemand() {
        final RecordingBackend backend = new RecordingBackend();
        try (LtxModels models = new LtxModels(LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")),
                null, null, backend, BackendOptions.cpu())) {
            models.vaeEncoder();
            models.releaseVaeEncoder();
            models.releaseVaeEncoder();
            models.vaeEncoder();
        }
        assertEquals(List.of("open vae encoder", "close vae encoder", "open vae encoder", "close vae encoder"), backend.events);
    }

    @Test
    void theTinyModelsPlanFollowsItsEstimates() {
        try (LtxModels models = new LtxModels(LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")),
                TextEncoderModel.open(TinyFixtures.path("model/diffusers")), null, new RecordingBackend(),
                BackendOptions.cpu().withMemoryBudget(1))) {
            final MemoryPlan plan = models.memoryPlan();
            // fp32: 4 bytes per parameter of the checkpoint's own stores
            assertEquals(4 * models.textEncoderModel().orElseThrow().weights().parameterCount(), plan.textEncoderBytes());
            assertEquals(4 * models.checkpoint().transformerWeights().parameterCount(), plan.transformerBytes());
            assertEquals(4 * models.checkpoint().vaeWeights().scoped("decoder").parameterCount(), plan.vaeDecoderBytes());
            assertTrue(plan.releaseTextEncoderAfterEncoding());
            assertTrue(plan.releaseTransformerBeforeDecoding());
            final MemoryPlan fits = new MemoryPlan(plan.textEncoderBytes() + plan.transformerBytes(), plan.textEncoderBytes(),
                    plan.transformerBytes(), plan.vaeDecoderBytes());
            assertFalse(fits.releaseTextEncoderAfterEncoding());
        }
    }
}
