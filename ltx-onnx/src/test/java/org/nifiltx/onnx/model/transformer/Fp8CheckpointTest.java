package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.tensor.TensorStats;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * An official-layout FP8 checkpoint (ltxv-*-fp8.safetensors: block linears float8_e4m3fn without scales, the rest
 * bf16; fixture {@code model/ltxv-tiny-fp8.safetensors}): it reproduces case {@code fp8_transformer} ({@code out}, the
 * stored weights upcast, within the component tolerance), and its weights stay narrow in the session ONNX Runtime
 * builds: the fp8 linears at one byte per parameter in fp32 and int8 mode (ONNX Runtime's constant folding leaves
 * DequantizeLinear alone; int8 requantizes them per output channel), every weight at two bytes in bf16 mode; a 13B fp8
 * file does not become 52 GB of float32.
 */
class Fp8CheckpointTest {
    private static final SessionConfig NARROW = SessionConfig.cpu().withNarrowWeights(true);

    @TempDir
    Path dir;

    private static LtxCheckpoint checkpoint() {
        return LtxCheckpoint.open(TransformerFixtures.resource("model/ltxv-tiny-fp8.safetensors"));
    }

    private static TensorBundle inputs() {
        return SafeTensors.read(TransformerFixtures.resource("cases/fp8_transformer/inputs.safetensors"));
    }

    private static Tensor expected(final String name) {
        return SafeTensors.read(TransformerFixtures.resource("cases/fp8_transformer/outputs.safetensors")).get(name);
    }

    private static Tensor run(final LtxCheckpoint checkpoint, final NumericPolicy policy, final SessionConfig session) {
        try (TransformerRunner runner = TransformerRunner.create(checkpoint.transformerConfig(), checkpoint.transformerWeights(),
                Target.ONNX_RUNTIME, session, policy)) {
            return runner.run(inputs()).get("out");
        }
    }

    @Test
    void upcastForwardMatchesTheReference() {
        final LtxCheckpoint checkpoint = checkpoint();
        TransformerFixtures.assertClose("fp8 checkpoint, fp32 compute", expected("out"),
                run(checkpoint, NumericPolicy.fp32(), SessionConfig.cpu()));
        TransformerFixtures.assertClose("fp8 checkpoint, fp32 compute, narrow session", expected("out"),
                run(checkpoint, NumericPolicy.fp32(), NARROW));
        TransformerFixtures.assertClose("fp8 checkpoint, bf16 storage (fp8 widened exactly to bf16)", expected("out"),
                run(checkpoint, NumericPolicy.of(Precision.BF16), NARROW));
    }

    @Test
    void int8RequantizesTheFp8LinearsWithinTheGate() {
        final Tensor int8 = run(checkpoint(), NumericPolicy.of(Precision.INT8), SessionConfig.cpu());
        final double cosine = TensorStats.cosine(int8, expected("out"));
        System.out.printf("fp8 checkpoint in int8: cosine %.6f, max rel err %.2e%n", cosine,
                TensorStats.maxRelativeError(int8, expected("out")));
        assertTrue(cosine >= 0.999, "cosine " + cosine);
    }

    @Test
    void weightsStayNarrowInTheOptimizedSession() throws Exception {
        final LtxCheckpoint checkpoint = checkpoint();
        final WeightStore weights = checkpoint.transformerWeights();
        final long fp8 = weights.keys().stream().filter(k -> weights.get(k).dtype() == DType.F8_E4M3).count();
        final long bf16 = weights.keys().stream().filter(k -> weights.get(k).dtype() == DType.BF16).count();
        assertEquals(20, fp8, "2 blocks x 10 block linears");

        final Path fp32Session = dir.resolve("fp32.onnx");
        OnnxSession.writeOptimized(Transformer3D.build(checkpoint.transformerConfig(), weights, Target.ONNX_RUNTIME,
                NumericPolicy.fp32()), SessionConfig.cpu(), fp32Session);
        assertEquals(fp8, initializers(fp32Session, TensorProto.DataType.FLOAT8E4M3FN_VALUE), "fp8 kept in an fp32 session");
        assertEquals(0, initializers(fp32Session, TensorProto.DataType.BFLOAT16_VALUE), "bf16 folded to fp32 in an fp32 session");

        final Path narrow = dir.resolve("narrow.onnx");
        OnnxSession.writeOptimized(Transformer3D.build(checkpoint.transformerConfig(), weights, Target.ONNX_RUNTIME,
                NumericPolicy.of(Precision.BF16)), NARROW, narrow);
        assertEquals(0, initializers(narrow, TensorProto.DataType.FLOAT8E4M3FN_VALUE), "fp8 widened exactly to bf16 in bf16 mode");
        assertEquals(bf16 + fp8, initializers(narrow, TensorProto.DataType.BFLOAT16_VALUE), "every weight bf16 in bf16 mode");
    }

    /**
     * Real checkpoints' fp8 weights are above the size handed to ONNX Runtime as mapped bytes, where the Java API has
     * no float8 type: they go in as uint8 and are decoded exactly through a table.
     */
    @Test
    void largeFp8WeightsAreSuppliedAsBytesAndDecodedExactly() {
        final int in = 1024;
        final int out = 1024;
        final java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        final byte[] bytes = new byte[in * out];
        for (int i = 0; i < bytes.length; i++) {
            final byte b = (byte) random.nextInt(256);
            bytes[i] = (b & 0x7F) == 0x7F ? 0 : b; // no NaN encodings
        }
        final Tensor weight = Tensor.ofBytes(DType.F8_E4M3, new long[] {out, in}, bytes);
        final float[] x = new float[2 * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        final org.nifiltx.onnx.graph.GraphBuilder graph = new org.nifiltx.onnx.graph.GraphBuilder("fp8", Target.ONNX_RUNTIME);
        final org.nifiltx.onnx.graph.Value input = graph.input("x", DType.F32, 2, in);
        graph.output(graph.linear(input, graph.weight("w", weight), null, true), "y", DType.F32, 2, out);
        assertEquals(java.util.Set.of("w"), graph.suppliedInitializers().keySet());
        assertEquals(DType.U8, graph.suppliedInitializers().get("w").dtype());
        final float[] y;
        try (OnnxSession session = OnnxSession.create(graph, SessionConfig.cpu())) {
            y = session.run(TensorBundle.of(java.util.Map.of("x", Tensor.ofFloats(new long[] {2, in}, x)))).get("y")
                    .toFloatArray();
        }
        double worst = 0;
        for (int r = 0; r < 2; r++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int i = 0; i < in; i++) {
                    sum += (double) x[r * in + i] * org.nifiltx.core.tensor.FloatFormats.f8e4m3ToFloat(bytes[o * in + i]);
                }
                worst = Math.max(worst, Math.abs(sum - y[r * out + o]) / Math.max(1, Math.abs(sum)));
            }
        }
        assertTrue(worst < 1e-4, "fp8 table decode vs exact: " + worst);
    }

    private static long initializers(final Path model, final int dataType) throws Exception {
        return ModelProto.parseFrom(Files.readAllBytes(model)).getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == dataType).count();
    }
}
