package org.nifiltx.nifi.processors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.nifi.service.StandardLtxVideoModelService;

/** The tiny fixtures and a real CPU model service for processor tests. */
public final class Fixtures {
    public static final String SERVICE_ID = "ltx-model";
    private static final String FILENAME = "filename";

    private Fixtures() {
    }

    public static Path fixture(final String relative) {
        return TinyFixtures.path(relative);
    }

    /** Adds and enables a CPU service on the diffusers fixture (which carries its text encoder). */
    public static StandardLtxVideoModelService addService(final TestRunner runner) {
        return addService(runner, Map.of());
    }

    /** As {@link #addService(TestRunner)}, with further service properties set before enabling. */
    public static StandardLtxVideoModelService addService(final TestRunner runner, final Map<PropertyDescriptor, String> properties) {
        return addService(runner, new StandardLtxVideoModelService(), properties);
    }

    /** As {@link #addService(TestRunner, Map)} with a given service instance (a subclass that watches the backend). */
    public static <S extends StandardLtxVideoModelService> S addService(final TestRunner runner, final S service,
            final Map<PropertyDescriptor, String> properties) {
        try {
            runner.addControllerService(SERVICE_ID, service);
        } catch (final InitializationException e) {
            throw new IllegalStateException(e);
        }
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, fixture("model/diffusers").toString());
        runner.setProperty(service, StandardLtxVideoModelService.INTRA_OP_THREADS, "1");
        // the processors' outputs are compared with the fp32 reference; int8 is gated in the core and CLI tests
        runner.setProperty(service, StandardLtxVideoModelService.PRECISION, "fp32");
        properties.forEach((property, value) -> runner.setProperty(service, property, value));
        runner.enableControllerService(service);
        runner.setProperty(LtxProperties.MODEL_SERVICE, SERVICE_ID);
        return service;
    }

    /** Runs EncodePrompt (16 tokens, no guidance) on {@code prompt} and returns its success FlowFile. */
    public static MockFlowFile encode(final String prompt) {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        addService(runner);
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, prompt, FILENAME, "clip.txt"));
        runner.run();
        runner.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        return runner.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
    }

    /** GenerateLatents on the service with the STEPS schedule at 2 steps and the tiny size 9 x 64 x 96. */
    public static TestRunner tinyGenerateLatents() {
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        addService(runner);
        tinySizes(runner);
        return runner;
    }

    /** Sets 9 frames of 96 x 64 and 2 steps on a GenerateLatents runner. */
    public static void tinySizes(final TestRunner runner) {
        runner.setProperty(GenerateLatents.NUM_FRAMES, "9");
        runner.setProperty(GenerateLatents.HEIGHT, "64");
        runner.setProperty(GenerateLatents.WIDTH, "96");
        runner.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.STEPS);
        runner.setProperty(GenerateLatents.STEPS, "2");
    }

    public static byte[] bytes(final TensorBundle bundle) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            SafeTensors.write(out, bundle);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static TensorBundle tensors(final MockFlowFile flowFile, final Path directory) {
        return SafeTensors.read(flowFile.toByteArray(), "<FlowFile content>");
    }
}
