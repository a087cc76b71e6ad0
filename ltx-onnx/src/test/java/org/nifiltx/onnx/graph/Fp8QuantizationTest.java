package org.nifiltx.onnx.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * The fp8 weights quantized in Java are what ONNX Runtime's QuantizeLinear(float8e4m3fn, saturate=1) makes of the same
 * values (opset 21 on ONNX Runtime 1.29 CPU): round to nearest even, saturating at ±448.
 */
class Fp8QuantizationTest {
    @Test
    void javaEncodingMatchesOnnxRuntimeQuantizeLinear() {
        final SplittableRandom random = new SplittableRandom(3);
        final float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 3)));
        }
        // exact ties (1.0625, 1.1875, 0.013671875 in the subnormals), the largest value, beyond it
        final float[] edges = {1.0625f, -1.1875f, 0x1.cp-7f, 448f, 464f, -500f, 1e9f, 0x1p-10f};
        System.arraycopy(edges, 0, x, 0, edges.length);
        final GraphBuilder graph = new GraphBuilder("q", Target.ONNX_RUNTIME);
        final Value in = graph.input("x", DType.F32, x.length);
        final Value zero = graph.initializer("zero", Tensor.ofBytes(DType.F8_E4M3, new long[0], new byte[1]));
        final Value q = graph.op("QuantizeLinear", List.of(in, graph.scalar(1f), zero), Attr.i("saturate", 1));
        graph.output(graph.op("DequantizeLinear", q, graph.scalar(1f), zero), "y", DType.F32, x.length);
        final float[] ort;
        try (OnnxSession session = OnnxSession.create(graph, SessionConfig.cpu().withKeepQdq(true))) {
            ort = session.run(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {x.length}, x)))).get("y").toFloatArray();
        }
        final float[] java = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            java[i] = FloatFormats.f8e4m3ToFloat(FloatFormats.floatToF8e4m3(x[i]));
        }
        assertArrayEquals(ort, java);
        assertEquals(448f, java[4]);
        assertEquals(-448f, java[5]);
    }

    @Test
    void weightsArePerOutputChannelWithTheRowMaximumAt448() {
        final Tensor weight = Tensor.ofFloats(new long[] {2, 3}, new float[] {0.5f, -2f, 1f, 0f, 0.03f, -0.01f});
        final QuantizedWeights.Fp8 q = QuantizedWeights.quantizeFp8(weight);
        assertArrayEquals(new float[] {2f / 448, 0.03f / 448}, q.scale().toFloatArray());
        assertEquals(DType.F8_E4M3, q.values().dtype());
        final float[] back = q.values().toFloatArray();
        assertEquals(-448f, back[1]);
        assertEquals(448f, back[4]);
        assertEquals(112f, back[0]); // 0.5 / (2/448)
        assertEquals(0f, back[3]);
        assertFalse(q.unitScale());
    }
}
