package org.nifiltx.onnx.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

class GraphBuilderTest {
    private static final Random RANDOM = new Random(7);

    private static float[] random(final int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) RANDOM.nextGaussian();
        }
        return v;
    }

    /** y = x·Wᵀ + b computed in plain Java, the reference for the graph. */
    private static float[] linear(final float[] x, final int rows, final float[] w, final float[] b, final int in, final int out) {
        final float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) {
                    acc += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = (float) acc;
            }
        }
        return y;
    }

    @Test
    void linearWithInlineAndSuppliedWeightsMatchesJava() {
        final int in = 600;
        final int out = 500; // 600*500*4 bytes = 1.2 MB: above the supply threshold, so it is handed over, not inlined
        final float[] w = random(in * out);
        final float[] b = random(out);
        final float[] x = random(3 * in);
        final GraphBuilder g = new GraphBuilder("linear", Target.ONNX_RUNTIME);
        final Value input = g.input("x", DType.F32, "rows", in);
        final Value y = g.linear(input, g.weight("w", Tensor.ofFloats(new long[] {out, in}, w)),
                g.weight("b", Tensor.ofFloats(new long[] {out}, b)));
        g.output(y, "y", DType.F32, "rows", out);
        assertEquals(List.of("w"), List.copyOf(g.suppliedInitializers().keySet()));
        assertEquals(List.of(), GraphValidator.problems(g.build()));
        try (OnnxSession session = OnnxSession.create(g, SessionConfig.cpu())) {
            final TensorBundle result = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {3, in}, x))));
            final float[] expected = linear(x, 3, w, b, in, out);
            final float[] actual = result.get("y").toFloatArray();
            assertArrayEquals(new long[] {3, out}, result.get("y").shape());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-3f, "element " + i);
            }
        }
    }

    @Test
    void bf16WeightIsCastInGraph() {
        final float[] w = {1.5f, -2.25f, 0.125f, 3f};
        final byte[] bf16 = new byte[8];
        for (int i = 0; i < 4; i++) {
            final short s = FloatFormats.floatToBf16(w[i]);
            bf16[2 * i] = (byte) s;
            bf16[2 * i + 1] = (byte) (s >> 8);
        }
        final GraphBuilder g = new GraphBuilder("bf16", Target.ONNX_RUNTIME);
        final Value x = g.input("x", DType.F32, 1, 2);
        final Value y = g.matMul(x, g.weight("w", Tensor.ofBytes(DType.BF16, new long[] {2, 2}, bf16)));
        g.output(y, "y", DType.F32);
        try (OnnxSession session = OnnxSession.create(g, SessionConfig.cpu())) {
            final float[] out = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1, 2}, new float[] {1f, 2f}))))
                    .get("y").toFloatArray();
            assertArrayEquals(new float[] {1.5f + 2 * 0.125f, -2.25f + 2 * 3f}, out, 0f);
        }
    }

    @Test
    void nodesReadingOnlyWeightsComeFirstSoOnnxRuntimeWidensEachJustBeforeItsUse() {
        // two bf16 layers: each weight's Cast is emitted after the previous layer's MatMul, and build() moves both
        // Casts ahead of the activations' nodes (with the emitted order ONNX Runtime ran every Cast at the start)
        final GraphBuilder g = new GraphBuilder("order", Target.ONNX_RUNTIME);
        Value h = g.input("x", DType.F32, 1, 2);
        for (int layer = 0; layer < 2; layer++) {
            h = g.matMul(g.op("Relu", h), g.weight("w" + layer, Tensor.ofBytes(DType.BF16, new long[] {2, 2}, new byte[8])));
        }
        g.output(h, "y", DType.F32);
        assertEquals(List.of("Cast", "Cast", "Relu", "MatMul", "Relu", "MatMul", "Identity"),
                g.build().getGraph().getNodeList().stream().map(n -> n.getOpType()).toList());
    }

    @Test
    void geluTanhAndSoftmaxComputeKnownValues() {
        final GraphBuilder g = new GraphBuilder("act", Target.STANDARD_ONNX);
        final Value x = g.input("x", DType.F32, 3);
        g.output(g.op("Gelu", List.of(x), Attr.s("approximate", "tanh")), "gelu", DType.F32, 3);
        g.output(g.op("Softmax", List.of(x), Attr.i("axis", -1)), "softmax", DType.F32, 3);
        try (OnnxSession session = OnnxSession.create(g, SessionConfig.cpu())) {
            final TensorBundle out = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {3}, new float[] {-1f, 0f, 2f}))));
            final float[] gelu = out.get("gelu").toFloatArray();
            for (int i = 0; i < 3; i++) {
                final double v = new double[] {-1, 0, 2}[i];
                final double expected = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                assertEquals(expected, gelu[i], 1e-6);
            }
            final double z = Math.exp(-1) + 1 + Math.exp(2);
            assertArrayEquals(new float[] {(float) (Math.exp(-1) / z), (float) (1 / z), (float) (Math.exp(2) / z)},
                    out.get("softmax").toFloatArray(), 1e-6f);
        }
    }

    @Test
    void savedModelWithExternalDataReloads(@TempDir final Path dir) {
        final int n = 300_000; // 1.2 MB weight goes to the external data file
        final float[] w = random(n);
        final GraphBuilder g = new GraphBuilder("saved", Target.STANDARD_ONNX);
        final Value x = g.input("x", DType.F32, n);
        g.output(g.add(x, g.weight("w", Tensor.ofFloats(new long[] {n}, w))), "y", DType.F32, n);
        final Path file = dir.resolve("model.onnx");
        ModelFiles.save(g, file);
        assertTrue(Files.exists(dir.resolve("model.onnx.data")));
        try (OnnxSession session = OnnxSession.open(file, SessionConfig.cpu())) {
            final float[] y = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {n}, new float[n])))).get("y").toFloatArray();
            assertArrayEquals(w, y, 0f);
        }
    }

    @Test
    void validatorReportsUndefinedValuesAndMissingDomains() {
        final GraphBuilder g = new GraphBuilder("bad", Target.ONNX_RUNTIME);
        final Value x = g.input("x", DType.F32, 2);
        g.output(g.add(x, new Value("nowhere")), "y", DType.F32);
        final ModelProto model = g.buildInline();
        final ModelProto withoutImport = model.toBuilder().clearOpsetImport().build();
        final List<String> problems = GraphValidator.problems(withoutImport);
        assertEquals(List.of("no ai.onnx opset imported",
                "node 'Add_0' (Add) uses domain '' which is not imported",
                "node 'Add_0' (Add) reads 'nowhere' before it is defined",
                "node 'output_y' (Identity) uses domain '' which is not imported"), problems);
    }
}
