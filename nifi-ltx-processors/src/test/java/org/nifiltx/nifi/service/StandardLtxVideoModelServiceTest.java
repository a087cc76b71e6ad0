package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.testing.TinyFixtures;
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
        // bf16/fp8 are GPU precisions; the CPU service offers auto, fp32 and int8
        runner.setProperty(service, StandardLtxVideoModelService.PRECISION, "bf16");
        runner.assertNotValid(service);
    }

    private static List<ConfigVerificationResult> verify(final String modelPath) {
        return verify(modelPath, "int8");
    }

    private static List<ConfigVerificationResult> verify(final String modelPath, final String precision) {
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        final Map<PropertyDescriptor, String> properties = Map.of(StandardLtxVideoModelService.MODEL_PATH, modelPath,
                StandardLtxVideoModelService.BACKEND, "cpu", StandardLtxVideoModelService.INTRA_OP_THREADS, "1",
                StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "false", StandardLtxVideoModelService.PRECISION, precision);
        return service.verify(new MockConfigurationContext(service, properties, null, Map.of()),
                new MockComponentLog("ltx", service), Map.of());
    }

    @Test
    void verifyChecksCheckpointBackendAndTextEncoder() {
        final List<ConfigVerificationResult> good = verify(Fixtures.fixture("model/diffusers").toString());
        assertEquals(List.of("Checkpoint", "Backend", "Text Encoder", "Weights"),
                good.stream().map(ConfigVerificationResult::getVerificationStepName).toList());
        assertEquals(List.of(Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL, Outcome.SUCCESSFUL),
                good.stream().map(ConfigVerificationResult::getOutcome).toList());
        assertEquals("every weight the graphs read is present in the shape the config implies", good.get(3).getExplanation());
        assertEquals("'cpu' is available (OnnxRuntimeBackend), computing in int8", good.get(1).getExplanation());
        final Precision auto = Precision.AUTO.resolve(CpuFeatures.detect());
        assertEquals("'cpu' is available (OnnxRuntimeBackend), computing in " + auto.label() + " (auto: "
                + CpuFeatures.detect().describe() + ")", verify(Fixtures.fixture("model/diffusers").toString(), "auto").get(1)
                .getExplanation());
        assertEquals("T5 d_model 24", good.get(2).getExplanation());

        final List<ConfigVerificationResult> bad = verify(Fixtures.fixture("cases").toString());
        assertEquals(List.of(Outcome.FAILED, Outcome.SUCCESSFUL),
                bad.stream().map(ConfigVerificationResult::getOutcome).toList());
    }

    @Test
    void aCheckpointWithoutAWeightFailsVerificationAndEnabling(@TempDir final Path dir) throws Exception {
        final Path model = TinyFixtures.diffusersWithTransformer(dir, tensors -> tensors.remove("proj_out.weight"));
        final String problem = "incomplete weights: transformer lacks 1 of 65 weights (proj_out.weight [16, 32])";
        final ConfigVerificationResult weights = verify(model.toString()).get(3);
        assertEquals("Weights", weights.getVerificationStepName());
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
