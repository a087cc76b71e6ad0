package org.nifiltx.onnx.model.t5;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.gguf.T5GgufWeights;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.RandomT5Gguf;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * A measurement, not a test: builds the int8 T5 encoder (graph, then ONNX Runtime session) from a Q8_0 GGUF of T5-XXL
 * width (d_model 4096, 64 heads × 64, d_ff 10240, vocabulary 1000) and prints this process's resident set (VmRSS) and
 * peak (VmHWM) after each stage. Run each mode in a fresh JVM, since the peak only grows:
 *
 * <pre>java -cp ... T5GgufPeakMemoryProbe FILE.gguf LAYERS eager|lazy</pre>
 *
 * {@code eager} dequantizes every tensor into a map first, as {@code T5GgufWeights.read} did before the store became
 * lazy; {@code lazy} is today's path. The file is written first when it does not exist.
 *
 * <p>Measured (2 cores, JDK 25, -Xmx4g -XX:MaxDirectMemorySize=8g, ONNX Runtime 1.29, no weight cache), peak VmHWM
 * of the whole build: 2 layers eager 2672 MB, lazy 1231 MB; 4 layers eager 5012 MB, lazy 1970 MB, i.e. per layer
 * eager 1170 MB, lazy 370 MB. Lazy costs twice the layer's 193 M int8 weights: the Java buffers the graph supplies,
 * and the copy ONNX Runtime makes of every supplied initializer at session creation (zeroing the Java buffers after
 * creation leaves the outputs unchanged). The model protobuf stays under 1 MB: weights of 1 MiB or more are supplied,
 * not inlined. Extrapolated (not measured) to 24 layers and the 32128-token vocabulary (+1.05 GB for its float32
 * embedding, held by Java and by ONNX Runtime): eager about 29.5 GB, lazy about 10.4 GB.
 */
public final class T5GgufPeakMemoryProbe {
    private T5GgufPeakMemoryProbe() {
    }

    public static void main(final String[] args) throws IOException {
        final Path file = Path.of(args[0]);
        final int layers = Integer.parseInt(args[1]);
        final boolean eager = args[2].equals("eager");
        if (!Files.exists(file)) {
            RandomT5Gguf.write(file, new T5Config(4096, layers, 64, 64, 10240, 1000, 32, 128, 1e-6, "gated-gelu"), 1);
            System.out.println("wrote " + file + " (" + Files.size(file) / 1_000_000 + " MB)");
        }
        report("start");
        long time = System.nanoTime();
        final T5GgufWeights gguf = T5GgufWeights.read(file);
        WeightStore weights = gguf.weights();
        if (eager) {
            final Map<String, Tensor> all = new LinkedHashMap<>();
            for (final String key : weights.keys()) {
                all.put(key, weights.get(key));
            }
            weights = new WeightStore(T5GgufWeights.COMPONENT, all);
        }
        report("opened (" + weights.parameterCount() + " parameters, " + seconds(time) + " s)");
        time = System.nanoTime();
        final QuantizedWeights store = QuantizedWeights.inMemory();
        final GraphBuilder graph = T5Encoder.build(gguf.config(), weights, true, Target.ONNX_RUNTIME,
                new NumericPolicy(Precision.INT8, store));
        final ModelProto model = graph.build();
        long supplied = 0;
        for (final Tensor t : graph.suppliedInitializers().values()) {
            supplied += t.data().remaining();
        }
        report("graph built (" + seconds(time) + " s): protobuf " + model.getSerializedSize() / 1_000_000 + " MB, "
                + graph.suppliedInitializers().size() + " initializers supplied from Java buffers, " + supplied / 1_000_000
                + " MB");
        time = System.nanoTime();
        try (OnnxSession session = OnnxSession.create(model, graph.suppliedInitializers(), SessionConfig.cpu())) {
            report("session created (" + seconds(time) + " s)");
            System.gc();
            report("after a full GC (unmaps the GGUF buffers nobody holds)");
            final TensorBundle out = session.run(TensorBundle.of(Map.of(
                    T5Encoder.INPUT_IDS, Tensor.ofLongs(new long[] {1, 8}, new long[] {5, 6, 7, 8, 9, 1, 0, 0}),
                    T5Encoder.ATTENTION_MASK, Tensor.ofLongs(new long[] {1, 8}, new long[] {1, 1, 1, 1, 1, 1, 0, 0}))));
            report("ran once: " + out.get(T5Encoder.LAST_HIDDEN_STATE));
        }
    }

    private static String seconds(final long start) {
        return String.format("%.1f", (System.nanoTime() - start) / 1e9);
    }

    private static void report(final String stage) throws IOException {
        final StringBuilder line = new StringBuilder(stage).append(':');
        for (final String field : Files.readAllLines(Path.of("/proc/self/status"))) {
            // RssAnon: heap, direct buffers, ONNX Runtime; RssFile: mapped GGUF pages (clean, reclaimable)
            if (field.startsWith("VmRSS:") || field.startsWith("VmHWM:") || field.startsWith("RssAnon:")
                    || field.startsWith("RssFile:")) {
                line.append(' ').append(field, 0, field.indexOf(':')).append(' ')
                        .append(Long.parseLong(field.replaceAll("[^0-9]", "")) / 1024).append(" MB");
            }
        }
        System.out.println(line);
    }
}
