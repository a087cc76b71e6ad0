package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockComponentLog;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.NoOpProcessor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.nifi.api.LtxPlacement;
import org.nifiltx.nifi.processors.EncodePrompt;
import org.nifiltx.nifi.processors.Fixtures;
import org.nifiltx.nifi.processors.LtxAttributes;

/**
 * Backend, Device Index and Precision from each node's environment (Expression Language in the ENVIRONMENT scope), so
 * one flow serves a cluster of nodes with different accelerators: evaluated and checked per node, reported by Verify
 * and carried into every FlowFile the node makes.
 */
class NodeSettingsTest {
    private static final String BACKEND = "${LTX_BACKEND:replaceNull('cpu')}";
    private static final String DEVICE = "${LTX_DEVICE:replaceNull(0)}";
    private static final String PRECISION = "${LTX_PRECISION}";

    private static ServiceConfiguration onNode(final Map<String, String> environment) {
        final Map<PropertyDescriptor, String> properties = Map.of(StandardLtxVideoModelService.MODEL_PATH, "model",
                StandardLtxVideoModelService.BACKEND, BACKEND, StandardLtxVideoModelService.DEVICE_INDEX, DEVICE,
                StandardLtxVideoModelService.PRECISION, PRECISION);
        return ServiceConfiguration.of(new MockConfigurationContext(new StandardLtxVideoModelService(), properties, null,
                environment));
    }

    @Test
    void oneConfigurationPlacesEachNodeOnItsOwnAccelerator() {
        final ServiceConfiguration gpuNode = onNode(Map.of("LTX_BACKEND", "cuda", "LTX_DEVICE", "3", "LTX_PRECISION", "fp32"));
        assertEquals("cuda", gpuNode.options().backend());
        assertEquals(3, gpuNode.options().deviceId());
        assertEquals(Precision.FP32, gpuNode.options().precision());
        assertEquals(new LtxPlacement("cuda", 3, "fp32"), gpuNode.placement());
        assertEquals("cuda:3 fp32", gpuNode.placement().describe());

        // A CPU-only node sets neither backend nor device: the defaults in the expressions apply, and the CPU is device 0.
        final ServiceConfiguration cpuNode = onNode(Map.of("LTX_PRECISION", "bf16", "LTX_DEVICE", "1"));
        assertEquals(new LtxPlacement("cpu", 0, "bf16"), cpuNode.placement());
    }

    @Test
    void aTextEncoderReleasedAfterEachPromptDoesNotRepackItsWeights() {
        // one prompt (pair) per opening: T5's weights are packed per call, not copied into a packed form when it opens
        final Map<PropertyDescriptor, String> properties = new java.util.HashMap<>(Map.of(StandardLtxVideoModelService.MODEL_PATH,
                "model", StandardLtxVideoModelService.PRECISION, "int8"));
        properties.put(StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "true");
        final ServiceConfiguration released = ServiceConfiguration.of(new MockConfigurationContext(new StandardLtxVideoModelService(),
                properties, null, Map.of()));
        assertEquals(true, released.options().textEncoderOnce());
        properties.put(StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "false");
        final ServiceConfiguration kept = ServiceConfiguration.of(new MockConfigurationContext(new StandardLtxVideoModelService(),
                properties, null, Map.of()));
        assertEquals(false, kept.options().textEncoderOnce());
    }

    @Test
    void aNodeWhoseEnvironmentGivesAWrongValueIsToldWhich() {
        final LtxException device = assertThrows(LtxException.class,
                () -> onNode(Map.of("LTX_BACKEND", "cuda", "LTX_DEVICE", "gpu1", "LTX_PRECISION", "fp32")));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, device.code());
        assertEquals("Device Index '${LTX_DEVICE:replaceNull(0)}' gives 'gpu1' on this node, which is not a device ordinal "
                + "(0, 1, ...)", device.getMessage());
        assertEquals("Backend '${LTX_BACKEND:replaceNull('cpu')}' gives 'rocm' on this node, which is none of cpu, cuda",
                assertThrows(LtxException.class, () -> onNode(Map.of("LTX_BACKEND", "rocm", "LTX_PRECISION", "fp32")))
                        .getMessage());
        assertEquals("Precision '${LTX_PRECISION}' is empty on this node (is the variable set in its environment or system "
                + "properties?)", assertThrows(LtxException.class, () -> onNode(Map.of())).getMessage());
        assertEquals("Precision '${LTX_PRECISION}' gives 'fp16' on this node, which is none of auto, fp32, int8, bf16",
                assertThrows(LtxException.class, () -> onNode(Map.of("LTX_PRECISION", "fp16"))).getMessage());
    }

    @Test
    void theCanvasShowsTheServiceInvalidOnANodeWithAWrongEnvironment() throws InitializationException {
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        runner.addControllerService("ltx", service);
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, Fixtures.fixture("model/diffusers").toString());
        runner.setProperty(service, StandardLtxVideoModelService.BACKEND, BACKEND);
        runner.setEnvironmentVariableValue("LTX_DEVICE", "-1");
        final ValidationResult device = runner.setProperty(service, StandardLtxVideoModelService.DEVICE_INDEX, DEVICE);
        assertFalse(device.isValid());
        assertEquals("'${LTX_DEVICE:replaceNull(0)}' gives '-1' on this node, which is not a device ordinal (0, 1, ...)",
                device.getExplanation());
        runner.assertNotValid(service);

        runner.setEnvironmentVariableValue("LTX_DEVICE", "2");
        runner.setEnvironmentVariableValue("LTX_BACKEND", "cuda");
        assertTrue(runner.setProperty(service, StandardLtxVideoModelService.DEVICE_INDEX, DEVICE).isValid());
        runner.assertValid(service);
        // A literal is checked as before, without the expression in the message.
        final ValidationResult literal = runner.setProperty(service, StandardLtxVideoModelService.BACKEND, "rocm");
        assertEquals("'rocm' is none of cpu, cuda", literal.getExplanation());
    }

    @Test
    void verifyAndEveryFlowFileNameTheNodesBackendDeviceAndPrecision() {
        final Map<String, String> environment = Map.of("LTX_BACKEND", "cpu", "LTX_DEVICE", "1", "LTX_PRECISION", "fp32");
        final StandardLtxVideoModelService verified = new StandardLtxVideoModelService();
        final List<ConfigVerificationResult> results = verified.verify(new MockConfigurationContext(verified,
                Map.of(StandardLtxVideoModelService.MODEL_PATH, Fixtures.fixture("model/diffusers").toString(),
                        StandardLtxVideoModelService.BACKEND, BACKEND, StandardLtxVideoModelService.DEVICE_INDEX, DEVICE,
                        StandardLtxVideoModelService.PRECISION, PRECISION,
                        StandardLtxVideoModelService.INTRA_OP_THREADS, "1"), null, environment),
                new MockComponentLog("ltx", verified), Map.of());
        assertEquals("Backend", results.get(1).getVerificationStepName());
        assertEquals("'cpu' device 0 is available (OnnxRuntimeBackend), computing in fp32", results.get(1).getExplanation());

        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        environment.forEach(runner::setEnvironmentVariableValue);
        final StandardLtxVideoModelService service = Fixtures.addService(runner, Map.of(StandardLtxVideoModelService.BACKEND,
                BACKEND, StandardLtxVideoModelService.DEVICE_INDEX, DEVICE, StandardLtxVideoModelService.PRECISION, PRECISION));
        assertEquals(new LtxPlacement("cpu", 0, "fp32"), service.modelInfo().placement());
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat"));
        runner.run();
        runner.assertAllFlowFilesTransferred("success", 1);
        final MockFlowFile embeddings = runner.getFlowFilesForRelationship("success").get(0);
        embeddings.assertAttributeEquals(LtxAttributes.BACKEND, "cpu");
        embeddings.assertAttributeEquals(LtxAttributes.DEVICE, "0");
        embeddings.assertAttributeEquals(LtxAttributes.PRECISION, "fp32");
        final String details = runner.getProvenanceEvents().get(0).getDetails();
        assertTrue(details.startsWith("prompt of 6 characters encoded to 16 tokens, model diffusers (0.9.5+) on cpu:0 fp32; "
                + "encode "), details);
    }
}
