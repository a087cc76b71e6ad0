package org.nifiltx.onnx.runtime;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.tensor.FileRegion;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.proto.OnnxProto.GraphProto;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.StringStringEntryProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;

/**
 * Supplied weights that ONNX Runtime maps from their own file instead of copying them from Java. A weight handed over
 * with {@code addExternalInitializers} is copied into ONNX Runtime's memory at session creation (see
 * {@link OnnxSession}); one declared as external data of a file is memory-mapped there, so a weight ONNX Runtime uses as
 * stored (a bf16 weight behind its Cast, an int8 convolution weight, an embedding table) costs file pages the kernel
 * can drop rather than anonymous memory, and one it repacks (int8 MatMul weights) is never held twice.
 *
 * <p>ONNX Runtime resolves external data of a model given as bytes against one folder
 * ({@value #FOLDER_KEY}) and refuses locations outside it, so the weights of the folder holding the most supplied bytes
 * are mapped (the weight cache, or a bf16 checkpoint's folder) and the rest are still supplied.
 */
final class MappedInitializers {
    /** ONNX Runtime session config key (onnxruntime_session_options_config_keys.h). */
    static final String FOLDER_KEY = "session.model_external_initializers_file_folder_path";

    /**
     * @param folder   the folder ONNX Runtime maps from, or null when nothing is mapped
     * @param model    the model with the mapped weights' external data pointing into their files
     * @param supplied the weights still to hand over with {@code addExternalInitializers}
     */
    record Plan(Path folder, ModelProto model, Map<String, Tensor> supplied) {
    }

    private MappedInitializers() {
    }

    static Plan plan(final ModelProto model, final Map<String, Tensor> supplied) {
        final Map<Path, Long> bytesByFolder = new HashMap<>();
        supplied.values().forEach(t -> t.origin().ifPresent(o -> bytesByFolder.merge(o.file().getParent(),
                (long) t.data().remaining(), Long::sum)));
        final Path folder = bytesByFolder.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(null);
        if (folder == null) {
            return new Plan(null, model, supplied);
        }
        final Map<String, Tensor> rest = new LinkedHashMap<>();
        final Map<String, Tensor> mapped = new HashMap<>();
        supplied.forEach((name, t) -> {
            final boolean here = t.origin().map(o -> folder.equals(o.file().getParent())).orElse(false);
            (here ? mapped : rest).put(name, t);
        });
        final GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            final Tensor t = mapped.get(graph.getInitializer(i).getName());
            if (t != null) {
                final FileRegion origin = t.origin().orElseThrow();
                graph.setInitializer(i, graph.getInitializer(i).toBuilder().clearExternalData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", origin.file().getFileName().toString()))
                        .addExternalData(entry("offset", Long.toString(origin.offset())))
                        .addExternalData(entry("length", Long.toString(t.data().remaining()))).build());
            }
        }
        return new Plan(folder, model.toBuilder().setGraph(graph).build(), rest);
    }

    private static StringStringEntryProto entry(final String key, final String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
