package org.nifiltx.nifi.processors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Safetensors FlowFile content in and out. */
final class FlowFileTensors {
    /** What error messages call the content instead of the temporary file's random name. */
    static final String CONTENT_NAME = "<FlowFile content>";

    private FlowFileTensors() {
    }

    /**
     * Reads the content as a safetensors bundle. The parser works on files, so the content goes through a temporary
     * file; tensors are copied to direct buffers (ONNX Runtime takes direct or writable array-backed buffers only) so the
     * file can be deleted at once (no mapping outlives it).
     */
    static TensorBundle read(final ProcessSession session, final FlowFile flowFile) {
        final Path temporary = createTemporary(".safetensors");
        try {
            session.read(flowFile, in -> Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING));
            final TensorBundle mapped;
            try {
                mapped = SafeTensors.read(temporary);
            } catch (final LtxException e) {
                throw new LtxException(e.code(), e.getMessage().replace(temporary.toString(), CONTENT_NAME), e);
            }
            final Map<String, Tensor> copies = new LinkedHashMap<>();
            for (final Map.Entry<String, Tensor> entry : mapped.tensors().entrySet()) {
                final Tensor tensor = entry.getValue();
                final byte[] bytes = tensor.toByteArray();
                final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.LITTLE_ENDIAN);
                direct.put(bytes).flip();
                copies.put(entry.getKey(), new Tensor(tensor.dtype(), tensor.shape(), direct));
            }
            return new TensorBundle(copies, mapped.metadata());
        } finally {
            deleteQuietly(temporary);
        }
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
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot create a temporary file: " + e.getMessage(), e);
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
