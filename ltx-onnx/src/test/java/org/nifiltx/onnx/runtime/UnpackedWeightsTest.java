package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/**
 * {@link SessionConfig#withoutPrepacking()} (how T5 runs): int8 weights mapped from their file are packed per call
 * instead of copied into ONNX Runtime's packed form when the session opens. Same outputs bit for bit; the packed copy
 * costs about the weights' size in anonymous memory, the unpacked session almost nothing.
 */
class UnpackedWeightsTest {
    private static final Pattern GROWTH = Pattern.compile("growth=(-?\\d+) weights=(\\d+)");

    @Test
    void unpackedInt8WeightsGiveTheSameOutput(@TempDir final Path dir) {
        final Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, TensorBundle.of(Map.of("w0", int8Weight(512, 1536, 1), "w1", int8Weight(1536, 512, 2))));
        final TensorBundle mapped = SafeTensors.read(file);
        final TensorBundle input = TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 64, 512}, ResidentMemory.ramp(64 * 512))));
        final GraphBuilder graph = layers(List.of(mapped.get("w0"), mapped.get("w1")), 64, 512);
        try (OnnxSession packed = OnnxSession.create(graph, SessionConfig.cpu());
                OnnxSession unpacked = OnnxSession.create(graph, SessionConfig.cpu().withoutPrepacking())) {
            final float[] expected = packed.run(input).get("y").toFloatArray();
            int nonZero = 0;
            for (final float v : expected) {
                nonZero += v != 0f ? 1 : 0;
            }
            assertTrue(nonZero > expected.length / 2, "a non-trivial output");
            assertArrayEquals(expected, unpacked.run(input).get("y").toFloatArray());
        }
    }

    @Test
    void unpackedInt8WeightsCostNoAnonymousMemory(@TempDir final Path dir) throws Exception {
        assumeTrue(Files.isReadable(ResidentMemory.STATUS), "needs Linux /proc/self/status");
        final long[] packed = measure(dir.resolve("packed"), "packed");
        final long[] unpacked = measure(dir.resolve("unpacked"), "unpacked");
        System.out.printf("int8 weights (%d MB) mapped from their file: anonymous growth %d MB prepacked, %d MB unpacked%n",
                packed[1] >> 20, packed[0] >> 20, unpacked[0] >> 20);
        assertTrue(packed[0] > 0.7 * packed[1], "prepacking copies the weights: grew " + packed[0] + " for " + packed[1]);
        assertTrue(unpacked[0] < 0.2 * unpacked[1], "unpacked: grew " + unpacked[0] + " for " + unpacked[1]);
    }

    private static long[] measure(final Path dir, final String mode) throws Exception {
        Files.createDirectories(dir);
        final Matcher m = GROWTH.matcher(ResidentMemory.runInFreshJvm(UnpackedWeightsTest.class, dir.toString(), mode));
        assertTrue(m.find(), "no measurement");
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    /** Run in a fresh JVM: three 48 MiB int8 layers from a safetensors file, RssAnon growth over the session's creation. */
    public static void main(final String[] args) throws Exception {
        final int width = 4096;
        final int hidden = 12288;
        final Path file = Path.of(args[0]).resolve("weights.safetensors");
        final Map<String, Tensor> weights = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            weights.put("w" + i, i % 2 == 0 ? int8Weight(width, hidden, i) : int8Weight(hidden, width, i));
        }
        SafeTensors.write(file, TensorBundle.of(weights));
        weights.clear();
        final SessionConfig config = args[1].equals("packed") ? SessionConfig.cpu() : SessionConfig.cpu().withoutPrepacking();
        try (OnnxSession warm = OnnxSession.create(layers(List.of(int8Weight(256, 256, 9)), 1, 256), config)) {
            warm.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 1, 256}, ResidentMemory.ramp(256)))));
        }
        final long before = ResidentMemory.settledRssAnon();
        final TensorBundle mapped = SafeTensors.read(file);
        try (OnnxSession session = OnnxSession.create(layers(List.of(mapped.get("w0"), mapped.get("w1"), mapped.get("w2")), 1, width),
                config)) {
            final long growth = ResidentMemory.settledRssAnon() - before;
            final float[] y = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 1, width},
                    ResidentMemory.ramp(width))))).get("y").toFloatArray();
            if (!Float.isFinite(y[0]) || y.length != hidden) {
                throw new IllegalStateException("bad output " + y[0]);
            }
            System.out.println("growth=" + growth + " weights=" + 3L * width * hidden);
        }
    }

    /** DynamicQuantizeMatMul layers over int8 weights [in, out] with per-channel scales, as Linear emits them in int8. */
    private static GraphBuilder layers(final List<Tensor> weights, final int tokens, final int width) {
        final GraphBuilder graph = new GraphBuilder("int8", Target.ONNX_RUNTIME);
        Value h = graph.input("x", DType.F32, 1, tokens, width);
        long out = width;
        for (int i = 0; i < weights.size(); i++) {
            out = weights.get(i).dim(1);
            final int n = Math.toIntExact(out);
            final float[] scale = new float[n];
            Arrays.fill(scale, 1f / 4096);
            final List<Value> inputs = new ArrayList<>(List.of(h, graph.initializer("w" + i, weights.get(i)),
                    graph.initializer("scale" + i, Tensor.ofFloats(new long[] {n}, scale)),
                    graph.initializer("zero" + i, Tensor.ofBytes(DType.I8, new long[] {n}, new byte[n]))));
            h = graph.node("DynamicQuantizeMatMul", GraphBuilder.MICROSOFT_DOMAIN, inputs, 1).get(0);
        }
        graph.output(h, "y", DType.F32, 1, tokens, out);
        return graph;
    }

    private static Tensor int8Weight(final int in, final int out, final long seed) {
        final Random random = new Random(seed);
        final byte[] bytes = new byte[in * out];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (random.nextInt(255) - 127);
        }
        return new Tensor(DType.I8, new long[] {in, out}, ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(bytes).flip());
    }
}
