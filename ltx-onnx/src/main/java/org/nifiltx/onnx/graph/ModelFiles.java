package org.nifiltx.onnx.graph;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.proto.OnnxProto.GraphProto;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.StringStringEntryProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;

/**
 * Writes a built graph to disk as {@code NAME.onnx} plus {@code NAME.onnx.data}: every supplied initializer goes to the
 * data file at a page-aligned offset, so a model over 2 GB (the protobuf limit) can be written and later memory-mapped
 * by ONNX Runtime.
 */
public final class ModelFiles {
    private static final int ALIGNMENT = 4096;

    private ModelFiles() {
    }

    public static void save(final GraphBuilder builder, final Path onnxFile) {
        final ModelProto model = builder.build();
        final Map<String, Tensor> external = builder.suppliedInitializers();
        final Path dataFile = onnxFile.resolveSibling(onnxFile.getFileName() + ".data");
        final GraphProto.Builder graph = model.getGraph().toBuilder();
        try (FileChannel data = FileChannel.open(dataFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long offset = 0;
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                final TensorProto init = graph.getInitializer(i);
                final Tensor tensor = external.get(init.getName());
                if (tensor == null) {
                    continue;
                }
                offset = (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
                final ByteBuffer bytes = tensor.data();
                final long length = bytes.remaining();
                long at = offset;
                while (bytes.hasRemaining()) {
                    at += data.write(bytes, at);
                }
                graph.setInitializer(i, init.toBuilder().clearExternalData()
                        .addExternalData(entry("location", dataFile.getFileName().toString()))
                        .addExternalData(entry("offset", Long.toString(offset)))
                        .addExternalData(entry("length", Long.toString(length))).build());
                offset += length;
            }
            try (OutputStream out = Files.newOutputStream(onnxFile)) {
                model.toBuilder().setGraph(graph).build().writeTo(out);
            }
        } catch (final IOException e) {
            throw WriteFailure.of("model", onnxFile, e);
        }
    }

    private static StringStringEntryProto entry(final String key, final String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
