package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.ConfigVerificationResult.Outcome;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.util.MockComponentLog;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.NoOpProcessor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.CpuFeatures;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.processors.EncodePrompt;
import org.nifiltx.nifi.processors.Fixtures;
import org.nifiltx.nifi.processors.LtxAttributes;

/** The service's configuration checks and lifecycle: enabling opens the models, disabling frees them. */
class StandardLtxVideoModelServiceTest {

    @Test
    void disablingFreesTheModelsAndASecondEnableWorks() {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        final StandardLtxVideoModelService service = Fixtures.addService(runner);
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        assertNotNull(service.models());
        assertEquals(new LtxModelInfo(16, 32, 8, 24, true, false, "diffusers (0.9.5+)"), service.modelInfo());
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red ball"));
        runner.run();
        runner.assertAllFlowFilesTransferred("success", 1);

        runner.disableControllerService(service);
        assertNull(service.models());
        final LtxException disabled = assertThrows(LtxException.class, service::modelInfo);
        assertEquals("the LTX-Video model service is not enabled", disabled.getMessage());

        runner.enableControllerService(service);
        assertNotNull(service.models());
        runner.clearTransferState();
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red ball"));
        runner.run();
        runner.assertAllFlowFilesTransferred("success", 1);
        final MockFlowFile encoded = runner.getFlowFilesForRelationship("success").get(0);
        encoded.assertAttributeEquals(LtxAttributes.MAX_LENGTH, "16");
    }

    @Test
    void aSingleFileCheckpointTakesItsTextEncoderFromTheTextEncoderPath() throws InitializationException {
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        runner.addControllerService("ltx", service);
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, Fixtures.fixture("model/ltxv-tiny.safetensors").toString());
        runner.assertValid(service);
        runner.enableControllerService(service);
        assertEquals(false, service.modelInfo().textEncoderAvailable());
        runner.disableControllerService(service);
        runner.setProperty(service, StandardLtxVideoModelService.TEXT_ENCODER_PATH, Fixtures.fixture("model/diffusers").toString());
        runner.enableControllerService(service);
        assertEquals(true, service.modelInfo().textEncoderAvailable());
        runner.disableControllerService(service);
        assertNull(service.models());
    }

    @Test
    void invalidConfigurationsAreRefused() throws InitializationException {
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        runner.addControllerService("ltx", service);
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, "/no/such/checkpoint.safetensors");
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, Fixtures.fixture("model/diffusers").toString());
        runner.assertValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.BACKEND, "rocm");
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.BACKEND, BackendChoice.CPU.getValue());
        runner.setProperty(service, StandardLtxVideoModelService.INTRA_OP_THREADS, "-1");
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.INTRA_OP_THREADS, "2");
        runner.setProperty(service, StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "sometimes");
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "false");
        runner.assertValid(service);
        // fp8 is a GPU precision; the service offers auto, fp32, int8 and bf16
        runner.setProperty(service, StandardLtxVideoModelService.PRECISION, "fp8");
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.PRECISION, "fp32");
        runner.assertValid(service);
        for (final String runs : List.of("0", "-1", "two")) {
            runner.setProperty(service, StandardLtxVideoModelService.MAX_CONCURRENT_RUNS, runs);
            runner.assertNotValid(service);
        }
        runner.setProperty(service, StandardLtxVideoModelService.MAX_CONCURRENT_RUNS, "3");
        runner.setProperty(service, StandardLtxVideoModelService.DISABLE_TIMEOUT, "soon");
        runner.assertNotValid(service);
        runner.setProperty(service, StandardLtxVideoModelService.DISABLE_TIMEOUT, "5 sec");
        runner.assertValid(service);
        // The Device Index is checked where it applies: on CUDA.
        runner.setProperty(service, StandardLtxVideoModelService.BACKEND, BackendChoice.CUDA.getValue());
        for (final String index : List.of("-1", "first", "")) {
            runner.setProperty(service, StandardLtxVideoModelService.DEVICE_INDEX, index);
            runner.assertNotValid(service);
        }
        runner.setProperty(service, StandardLtxVideoModelService.DEVICE_INDEX, "1");
        runner.assertValid(service);
    }

    private static List<ConfigVerificationResult> verify(final StandardLtxVideoModelService service, final String modelPath,
            final String precision, final Map<PropertyDescriptor, String> more) {
        final Map<PropertyDescriptor, String> properties = new HashMap<>(Map.of(StandardLtxVideoModelService.MODEL_PATH,
                modelPath, StandardLtxVideoModelService.BACKEND, "cpu", StandardLtxVideoModelService.INTRA_OP_THREADS, "1",
                StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "false", StandardLtxVideoModelService.PRECISION, precision));
        properties.putAll(more);
        return service.verify(new MockConfigurationContext(service, properties, null, Map.of()),
                new MockComponentLog("ltx", service), Map.of());
    }

    private static List<ConfigVerificationResult> verify(final String modelPath, final Map<PropertyDescriptor, String> more) {
        return verify(new StandardLtxVideoModelService(), modelPath, "fp32", more);
    }

    private static List<String> names(final List<ConfigVerificationResult> results) {
        return results.stream().map(ConfigVerificationResult::getVerificationStepName).toList();
    }

    private static List<Outcome> outcomes(final List<ConfigVerificationResult> results) {
        return results.stream().map(ConfigVerificationResult::getOutcome).toList();
    }

    /** The explanations, with each build time replaced by N. */
    private static List<String> explanations(final List<ConfigVerificationResult> results) {
        return results.stream().map(r -> r.getExplanation().replaceAll("built in \\d+ ms", "built in N ms")).toList();
    }

    private static final List<String> STEPS = List.of("Checkpoint", "Backend", "Text Encoder", "Transformer", "VAE Decoder",
            "VAE Encoder", "Latent Upsampler");
    /** With a readable checkpoint Verify also audits every weight the graphs read. */
    private static final List<String> STEPS_AND_WEIGHTS = List.of("Checkpoint", "Backend", "Text Encoder", "Transformer",
            "VAE Decoder", "VAE Encoder", "Latent Upsampler", "Weights");
    private static final String COMPLETE = "every weight the graphs read is present in the shape the config implies";

    @Test
    void verifyBuildsEachSessionOnceAndReportsItsBuildTime() {
        final WatchedModelService service = new WatchedModelService();
        final List<ConfigVerificationResult> good = verify(service, Fixtures.fixture("model/diffusers").toString(), "fp32",
                Map.of(StandardLtxVideoModelService.LATENT_UPSAMPLER_PATH, Fixtures.fixture("model/latent_upsampler").toString()));
        assertEquals(STEPS_AND_WEIGHTS, names(good));
        assertEquals(List.of(Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL,
                Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL), outcomes(good));
        assertEquals(List.of("model version 0.9.5+, 2 transformer blocks, 16 latent channels",
                "'cpu' device 0 is available (CountingBackend), computing in fp32", "T5 d_model 24, built in N ms", "built in N ms",
                "built in N ms", "built in N ms", "built in N ms", COMPLETE), explanations(good));
        // Each session was built once and closed again: nothing stays open after Verify.
        for (final String component : List.of(CountingBackend.TEXT_ENCODER, CountingBackend.TRANSFORMER,
                CountingBackend.VAE_DECODER, CountingBackend.VAE_ENCODER, CountingBackend.UPSAMPLER)) {
            assertEquals(1, service.backend.builds(component), component);
            assertEquals(1, service.backend.closes(component), component);
        }
        assertNull(service.models());
    }

    @Test
    void verifyShowsPrecisionAndSkipsWhatIsNotConfigured(@TempDir final Path cache) {
        final List<ConfigVerificationResult> int8 = verify(new StandardLtxVideoModelService(),
                Fixtures.fixture("model/diffusers").toString(), "int8",
                Map.of(StandardLtxVideoModelService.WEIGHT_CACHE_DIRECTORY, cache.toString()));
        assertEquals(STEPS_AND_WEIGHTS, names(int8));
        assertEquals(List.of(Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL,
                Outcome.SUCCESSFUL, Outcome.SKIPPED, Outcome.SUCCESSFUL), outcomes(int8));
        assertEquals("'cpu' device 0 is available (OnnxRuntimeBackend), computing in int8", int8.get(1).getExplanation());
        assertEquals("no Latent Upsampler Path: GenerateLatents cannot run Multi-Scale", int8.get(6).getExplanation());

        final Precision auto = Precision.AUTO.resolve(CpuFeatures.detect());
        final List<ConfigVerificationResult> automatic = verify(new StandardLtxVideoModelService(),
                Fixtures.fixture("model/ltxv-tiny.safetensors").toString(), "auto",
                Map.of(StandardLtxVideoModelService.WEIGHT_CACHE_DIRECTORY, cache.toString()));
        assertEquals("'cpu' device 0 is available (OnnxRuntimeBackend), computing in " + auto.label() + " (auto: "
                + CpuFeatures.detect().describe() + ")", automatic.get(1).getExplanation());
        assertEquals(List.of(Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SKIPPED, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL,
                Outcome.SUCCESSFUL, Outcome.SKIPPED, Outcome.SUCCESSFUL), outcomes(automatic));
        assertEquals("no text encoder: EncodePrompt will fail", automatic.get(2).getExplanation());
    }

    @Test
    void aCheckpointWithoutAWeightFailsVerificationAndEnabling(@TempDir final Path dir) throws Exception {
        final Path model = org.nifiltx.core.testing.TinyFixtures.diffusersWithTransformer(dir,
                tensors -> tensors.remove("proj_out.weight"));
        final String problem = "incomplete weights: transformer lacks 1 of 65 weights (proj_out.weight [16, 32])";
        final ConfigVerificationResult weights = verify(model.toString(), Map.of()).stream()
                .filter(r -> r.getVerificationStepName().equals("Weights")).findFirst().orElseThrow();
        assertEquals(Outcome.FAILED, weights.getOutcome());
        assertEquals(problem, weights.getExplanation());

        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        runner.addControllerService("ltx", service);
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, model.toString());
        final Throwable failure = assertThrows(Throwable.class, () -> runner.enableControllerService(service));
        assertEquals("Failed to enable Controller Service StandardLtxVideoModelService[id=ltx] due to "
                + "org.nifiltx.core.error.LtxException: " + problem, failure.getMessage());
        assertNull(service.models());
    }

    @Test
    void aBadUpsamplerOrCheckpointFailsItsOwnStep(@TempDir final Path folder) throws Exception {
        final Path notAnUpsampler = folder.resolve("upsampler.safetensors");
        Files.write(notAnUpsampler, Fixtures.bytes(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1f})))));
        final List<ConfigVerificationResult> badUpsampler = verify(Fixtures.fixture("model/diffusers").toString(),
                Map.of(StandardLtxVideoModelService.LATENT_UPSAMPLER_PATH, notAnUpsampler.toString()));
        assertEquals(STEPS_AND_WEIGHTS, names(badUpsampler));
        assertEquals(List.of(Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL,
                Outcome.SUCCESSFUL, Outcome.FAILED, Outcome.SUCCESSFUL), outcomes(badUpsampler));
        assertEquals("cannot read the Latent Upsampler Path " + notAnUpsampler + ": " + notAnUpsampler
                + " has no __metadata__ config: not a latent upsampler", badUpsampler.get(6).getExplanation());

        final List<ConfigVerificationResult> badCheckpoint = verify(Fixtures.fixture("cases").toString(), Map.of());
        assertEquals(STEPS, names(badCheckpoint));
        assertEquals(List.of(Outcome.FAILED, Outcome.SUCCESSFUL, Outcome.SKIPPED, Outcome.SKIPPED, Outcome.SKIPPED,
                Outcome.SKIPPED, Outcome.SKIPPED), outcomes(badCheckpoint));
        assertEquals("not built: the checkpoint failed", badCheckpoint.get(3).getExplanation());

        final WatchedModelService failing = new WatchedModelService();
        failing.backend.failingBuild = CountingBackend.VAE_DECODER;
        failing.backend.buildFailure = new LtxException(LtxErrorCode.BACKEND_FAILURE, "no memory for the VAE decoder");
        final List<ConfigVerificationResult> failed = verify(failing, Fixtures.fixture("model/diffusers").toString(), "fp32",
                Map.of());
        assertEquals(List.of(Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.FAILED,
                Outcome.SUCCESSFUL, Outcome.SKIPPED, Outcome.SUCCESSFUL), outcomes(failed));
        assertEquals("no memory for the VAE decoder", failed.get(4).getExplanation());
    }

    @Test
    void deviceIndexAndConcurrentRunsReachTheBackendOptions() {
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        final Map<PropertyDescriptor, String> cuda = Map.of(StandardLtxVideoModelService.MODEL_PATH, "model",
                StandardLtxVideoModelService.BACKEND, "cuda", StandardLtxVideoModelService.DEVICE_INDEX, "3",
                StandardLtxVideoModelService.MAX_CONCURRENT_RUNS, "2");
        final ServiceConfiguration onGpu = ServiceConfiguration.of(new MockConfigurationContext(service, cuda, null, Map.of()));
        assertEquals(3, onGpu.options().deviceId());
        assertEquals(2, onGpu.maxConcurrentRuns());
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), onGpu.options().threads());
        assertEquals(60_000, onGpu.disableTimeout().toMillis());

        final ServiceConfiguration onCpu = ServiceConfiguration.of(new MockConfigurationContext(service,
                Map.of(StandardLtxVideoModelService.MODEL_PATH, "model", StandardLtxVideoModelService.DEVICE_INDEX, "3"), null,
                Map.of()));
        assertEquals(0, onCpu.options().deviceId());
        assertEquals(1, onCpu.maxConcurrentRuns());
        assertEquals(0, onCpu.options().threads());

        assertEquals(0, ServiceConfiguration.intraOpThreads(0, 1, 16));
        assertEquals(4, ServiceConfiguration.intraOpThreads(0, 4, 16));
        assertEquals(5, ServiceConfiguration.intraOpThreads(0, 3, 16));
        assertEquals(1, ServiceConfiguration.intraOpThreads(0, 4, 2));
        assertEquals(6, ServiceConfiguration.intraOpThreads(6, 4, 16));
    }

    @Test
    void int8WeightsAreQuantizedOnceIntoTheWeightCacheDirectory(@TempDir final Path cache) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(runner, Map.of(StandardLtxVideoModelService.PRECISION, "int8",
                StandardLtxVideoModelService.WEIGHT_CACHE_DIRECTORY, cache.toString()));
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red ball"));
        runner.run();
        runner.assertAllFlowFilesTransferred("success", 1);
        try (Stream<Path> files = Files.list(cache)) {
            final List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("text-encoder-int8-") && n.endsWith(".safetensors")),
                    names.toString());
        }
    }
}
