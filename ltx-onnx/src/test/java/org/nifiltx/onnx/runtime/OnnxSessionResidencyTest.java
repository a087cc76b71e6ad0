package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/**
 * ONNX Runtime copies every supplied weight at session creation, so {@link OnnxSession} lets go of the Java bytes:
 * a session costs its weights once in resident memory, not twice.
 */
public class OnnxSessionResidencyTest {

    @Test
    void sessionOutputsDoNotDependOnTheSuppliedBytesAfterCreation() {
        // the invariant the release rests on: overwriting the Java bytes after creation changes nothing
        final ByteBuffer kept = int8Weight(1024, 1024, 7);
        final ByteBuffer overwritten = int8Weight(1024, 1024, 7);
        final TensorBundle input = TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 1024}, ResidentMemory.ramp(1024))));
        try (OnnxSession reference = OnnxSession.create(layers(List.of(kept), 1024), SessionConfig.cpu());
                OnnxSession session = OnnxSession.create(layers(List.of(overwritten), 1024), SessionConfig.cpu())) {
            while (overwritten.hasRemaining()) {
                overwritten.put((byte) 0);
            }
            final float[] expected = reference.run(input).get("y").toFloatArray();
            assertTrue(Math.abs(expected[0]) > 1f, "a non-trivial output: " + expected[0]);
            assertArrayEquals(expected, session.run(input).get("y").toFloatArray());
        }
    }

    @Test
    void aSessionHoldsItsInt8WeightsOnceInAnonymousMemory() throws Exception {
        assumeTrue(Files.isReadable(ResidentMemory.STATUS), "needs Linux /proc/self/status");
        // a fresh JVM: in the test JVM, memory earlier tests freed is still in the allocator's free lists and is handed
        // to the session without growing the resident set, which hid anything from 0 to 100 % of the weights
        final String output = ResidentMemory.runInFreshJvm(OnnxSessionResidencyTest.class);
        final Matcher m = Pattern.compile("growth=(\\d+) weights=(\\d+)").matcher(output);
        assertTrue(m.find(), output);
        final long growth = Long.parseLong(m.group(1));
        final long weightBytes = Long.parseLong(m.group(2));
        // ONNX Runtime's prepacked copy (≈1x) and nothing else; before the Java bytes were released: ≈2x
        assertTrue(growth <= 1.2 * weightBytes && growth >= 0.8 * weightBytes,
                "resident anonymous growth " + growth / 1_000_000 + " MB for " + weightBytes / 1_000_000 + " MB of int8 weights");
    }

    /** The measurement, run in a fresh JVM by the test above: prints the session's resident growth. */
    public static void main(final String[] args) throws Exception {
        // three distinct 48 MiB int8 layers (ONNX Runtime shares identical initializers, so no two are equal)
        final int width = 4096;
        final int hidden = 12288;
        final long weightBytes = 3L * width * hidden;
        try (OnnxSession warm = OnnxSession.create(layersOf(1024, 1024, 1), SessionConfig.cpu())) {
            // ONNX Runtime's environment, kernels and thread pools exist before the baseline
            warm.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 1024}, ResidentMemory.ramp(1024)))));
        }
        final long before = ResidentMemory.settledRssAnon();
        try (OnnxSession session = OnnxSession.create(layersOf(width, hidden, 3), SessionConfig.cpu())) {
            final long growth = ResidentMemory.settledRssAnon() - before;
            final float[] y = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, width}, ResidentMemory.ramp(width)))))
                    .get("y").toFloatArray();
            if (!Float.isFinite(y[0]) || y.length != hidden) {
                throw new IllegalStateException(Arrays.toString(Arrays.copyOf(y, 4)));
            }
            System.out.println("growth=" + growth + " weights=" + weightBytes);
        }
    }

    /** Builds the graph in its own frame, so nothing here keeps the Java weight bytes reachable afterwards. */
    private static GraphBuilder layersOf(final int width, final int hidden, final int count) {
        final List<ByteBuffer> weights = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            weights.add(i % 2 == 0 ? int8Weight(width, hidden, i) : int8Weight(hidden, width, i));
        }
        return layers(weights, width);
    }

    /** A chain of DynamicQuantizeMatMul layers alternating width → hidden → width, weights [in, out] int8. */
    private static GraphBuilder layers(final List<ByteBuffer> weights, final int width) {
        final GraphBuilder graph = new GraphBuilder("residency", Target.ONNX_RUNTIME);
        Value h = graph.input("x", DType.F32, 1, width);
        long in = width;
        for (int i = 0; i < weights.size(); i++) {
            final long out = weights.get(i).capacity() / in;
            final float[] scales = new float[(int) out];
            Arrays.fill(scales, 1f / 127f);
            final Value w = graph.initializer("w" + i, new Tensor(DType.I8, new long[] {in, out}, weights.get(i)));
            final Value scale = graph.initializer("scale" + i, Tensor.ofFloats(new long[] {out}, scales));
            final Value zero = graph.initializer("zero" + i, Tensor.ofBytes(DType.I8, new long[] {out}, new byte[(int) out]));
            h = graph.node("DynamicQuantizeMatMul", GraphBuilder.MICROSOFT_DOMAIN, List.of(h, w, scale, zero), 1).get(0);
            in = out;
        }
        graph.output(h, "y", DType.F32, 1, in);
        return graph;
    }

    private static ByteBuffer int8Weight(final int in, final int out, final long seed) {
        final byte[] bytes = new byte[in * out];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) {
            // ONNX Runtime's s8 weight kernels take [-127, 127]
            bytes[i] = (byte) Math.max(-127, bytes[i]);
        }
        return ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.LITTLE_ENDIAN).put(bytes).flip();
    }



}
