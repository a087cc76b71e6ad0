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
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.nifi.service.StandardLtxVideoModelService;

/** The tiny fixtures and a real CPU model service for processor tests. */
public final class Fixtures {
    public static final String SERVICE_ID = "ltx-model";

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
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        try {
            runner.addControllerService(SERVICE_ID, service);
        } catch (final InitializationException e) {
            throw new IllegalStateException(e);
        }
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, fixture("model/diffusers").toString());
        runner.setProperty(service, StandardLtxVideoModelService.INTRA_OP_THREADS, "1");
        properties.forEach((property, value) -> runner.setProperty(service, property, value));
        runner.enableControllerService(service);
        runner.setProperty(LtxProperties.MODEL_SERVICE, SERVICE_ID);
        return service;
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
