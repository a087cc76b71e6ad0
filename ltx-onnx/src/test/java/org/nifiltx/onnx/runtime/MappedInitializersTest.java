package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;

/**
 * Weights read from a file are mapped by ONNX Runtime from that file (external data) instead of being copied out of
 * Java: same outputs, and a bf16 weight behind its Cast costs no anonymous memory.
 */
public class MappedInitializersTest {

    @Test
    void aMappedWeightGivesTheSameOutputAsACopiedOne(@TempDir final Path dir) {
        final Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, TensorBundle.of(Map.of("w", bf16Weight(512, 1024, 3))));
        final Tensor mapped = SafeTensors.read(file).get("w");
        assertTrue(mapped.origin().isPresent());
        final Tensor copied = new Tensor(DType.BF16, mapped.shape(), ByteBuffer.allocateDirect(mapped.data().remaining())
                .order(ByteOrder.LITTLE_ENDIAN).put(mapped.data()).flip());
        final TensorBundle input = TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 512}, ResidentMemory.ramp(512))));
        final GraphBuilder fromFile = layers(List.of(mapped), 512);
        assertEquals(dir.toAbsolutePath(), MappedInitializers.plan(fromFile.build(), fromFile.suppliedInitializers()).folder());
        try (OnnxSession a = OnnxSession.create(fromFile, SessionConfig.cpu().withNarrowWeights(true));
                OnnxSession b = OnnxSession.create(layers(List.of(copied), 512), SessionConfig.cpu().withNarrowWeights(true))) {
            final float[] expected = b.run(input).get("y").toFloatArray();
            assertTrue(Math.abs(expected[0]) > 0.1f, "a non-trivial output: " + expected[0]);
            assertArrayEquals(expected, a.run(input).get("y").toFloatArray());
        }
    }

    @Test
    void theFolderHoldingMostBytesIsMappedAndTheRestSupplied(@TempDir final Path dir) throws IOException {
        final Path small = Files.createDirectories(dir.resolve("checkpoint")).resolve("a.safetensors");
        final Path large = Files.createDirectories(dir.resolve("cache")).resolve("b.safetensors");
        SafeTensors.write(small, TensorBundle.of(Map.of("w", bf16Weight(512, 1024, 1))));
        SafeTensors.write(large, TensorBundle.of(Map.of("w", bf16Weight(1024, 1024, 2))));
        final Tensor own = bf16Weight(1024, 1024, 4);
        final Map<String, Tensor> supplied = new LinkedHashMap<>();
        supplied.put("small", SafeTensors.read(small).get("w"));
        supplied.put("large", SafeTensors.read(large).get("w"));
        supplied.put("own", own);
        final GraphBuilder graph = new GraphBuilder("plan", Target.ONNX_RUNTIME);
        Value sum = null;
        for (final Map.Entry<String, Tensor> e : supplied.entrySet()) {
            final Value w = graph.initializer(e.getKey(), e.getValue());
            sum = sum == null ? w : graph.op("Concat", List.of(sum, w), Attr.i("axis", 0));
        }
        graph.output(sum, "y", DType.BF16, 2560, 1024);
        final MappedInitializers.Plan plan = MappedInitializers.plan(graph.build(), graph.suppliedInitializers());
        assertEquals(large.getParent().toAbsolutePath(), plan.folder());
        assertEquals(List.of("small", "own"), List.copyOf(plan.supplied().keySet()));
        final TensorProto mapped = plan.model().getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("large")).findFirst().orElseThrow();
        assertEquals("b.safetensors", mapped.getExternalData(0).getValue());
        assertEquals(Long.toString(SafeTensors.readHeader(large).dataStart()), mapped.getExternalData(1).getValue());
        assertEquals(Long.toString(1024L * 1024 * 2), mapped.getExternalData(2).getValue());
        // a graph whose weights are all the process's own maps nothing
        final Map<String, Tensor> ownOnly = Map.of("own", own);
        assertNull(MappedInitializers.plan(graph.build(), ownOnly).folder());
    }

    @Test
    void aBf16WeightMappedFromItsFileCostsNoAnonymousMemory(@TempDir final Path dir) throws Exception {
        assumeTrue(Files.isReadable(ResidentMemory.STATUS), "needs Linux /proc/self/status");
        final String output = ResidentMemory.runInFreshJvm(MappedInitializersTest.class, dir.toString());
        final Matcher m = Pattern.compile("growth=(-?\\d+) weights=(\\d+)").matcher(output);
        assertTrue(m.find(), output);
        final long growth = Long.parseLong(m.group(1));
        final long weightBytes = Long.parseLong(m.group(2));
        System.out.printf("bf16 weights mapped by ONNX Runtime: anonymous growth %d MB for %d MB%n", growth >> 20, weightBytes >> 20);
        // copied from Java, the session held the bf16 bytes once more in anonymous memory (≈1x, measured 0.98x)
        assertTrue(growth < 0.2 * weightBytes, "resident anonymous growth " + growth / 1_000_000 + " MB for "
                + weightBytes / 1_000_000 + " MB of bf16 weights mapped from their file");
    }

    /** The measurement, run in a fresh JVM: three 96 MiB bf16 layers from a safetensors file, RssAnon growth. */
    public static void main(final String[] args) throws Exception {
        final int width = 4096;
        final int hidden = 12288;
        final Path file = Path.of(args[0]).resolve("weights.safetensors");
        final Map<String, Tensor> weights = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            weights.put("w" + i, i % 2 == 0 ? bf16Weight(width, hidden, i) : bf16Weight(hidden, width, i));
        }
        SafeTensors.write(file, TensorBundle.of(weights));
        weights.clear();
        final long weightBytes = 3L * width * hidden * 2;
        try (OnnxSession warm = OnnxSession.create(layers(List.of(bf16Weight(1024, 1024, 9)), 1024),
                SessionConfig.cpu().withNarrowWeights(true))) {
            warm.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 1024}, ResidentMemory.ramp(1024)))));
        }
        final long before = ResidentMemory.settledRssAnon();
        final TensorBundle mapped = SafeTensors.read(file);
        try (OnnxSession session = OnnxSession.create(layers(List.of(mapped.get("w0"), mapped.get("w1"), mapped.get("w2")), width),
                SessionConfig.cpu().withNarrowWeights(true))) {
            final long growth = ResidentMemory.settledRssAnon() - before;
            final float[] y = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, width}, ResidentMemory.ramp(width)))))
                    .get("y").toFloatArray();
            if (!Float.isFinite(y[0]) || y.length != hidden) {
                throw new IllegalStateException("bad output " + y[0]);
            }
            System.out.println("growth=" + growth + " weights=" + weightBytes);
        }
    }

    /** MatMul layers over bf16 weights [in, out] widened by a Cast, alternating width → hidden → width. */
    private static GraphBuilder layers(final List<Tensor> weights, final int width) {
        final GraphBuilder graph = new GraphBuilder("mapped", Target.ONNX_RUNTIME);
        Value h = graph.input("x", DType.F32, 1, width);
        long out = width;
        for (int i = 0; i < weights.size(); i++) {
            final Value w = graph.initializer("w" + i, weights.get(i));
            final Value wide = graph.op("Cast", List.of(w), Attr.i("to", TensorProto.DataType.FLOAT_VALUE));
            h = graph.op("MatMul", h, wide);
            out = weights.get(i).dim(1);
        }
        graph.output(h, "y", DType.F32, 1, out);
        return graph;
    }

    private static Tensor bf16Weight(final int in, final int out, final long seed) {
        final Random random = new Random(seed);
        final ByteBuffer bytes = ByteBuffer.allocateDirect(in * out * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < in * out; i++) {
            bytes.putShort(FloatFormats.floatToBf16((float) random.nextGaussian() * 0.05f));
        }
        return new Tensor(DType.BF16, new long[] {in, out}, bytes.flip());
    }



}
