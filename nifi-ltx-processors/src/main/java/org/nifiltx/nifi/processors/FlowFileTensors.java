package org.nifiltx.nifi.processors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;

/** Safetensors FlowFile content in and out. */
final class FlowFileTensors {
    /** What error messages call the content instead of the temporary file's random name. */
    static final String CONTENT_NAME = "<FlowFile content>";

    private FlowFileTensors() {
    }

    /** Reads the content as a safetensors bundle, parsed in memory (prompt embeddings and latents are small). */
    static TensorBundle read(final ProcessSession session, final FlowFile flowFile) {
        return SafeTensors.read(readBytes(session, flowFile), CONTENT_NAME);
    }

    /** The whole content in memory (safetensors bundles and still images are small). */
    static byte[] readBytes(final ProcessSession session, final FlowFile flowFile) {
        final ByteArrayOutputStream content = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, flowFile.getSize()));
        session.read(flowFile, in -> in.transferTo(content));
        return content.toByteArray();
    }

    static byte[] toBytes(final TensorBundle bundle) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            SafeTensors.write(out, bundle);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path createTemporary(final String suffix) {
        try {
            return Files.createTempFile("nifi-ltx-", suffix);
        } catch (final IOException e) {
            throw WriteFailure.of("a temporary file in", Path.of(System.getProperty("java.io.tmpdir")), e);
        }
    }

    static void deleteQuietly(final Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (final IOException e) {
            // A leftover file in the temporary directory must not turn a finished FlowFile into a failure.
            file.toFile().deleteOnExit();
        }
    }
}
