package org.nifiltx.onnx.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.proto.OnnxProto.NodeProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * An int8 3-D convolution is emitted as a 2-D QLinearConv over frames (time taps as channels, {@link Conv}): its output
 * must be bit-identical to the 3-D QLinearConv on the same quantized input and weights, for every kernel depth, time
 * padding, spatial stride and batch the models use.
 */
class ConvInt8FramesTest {
    private static final String KEY = "block.conv.weight";

    @ParameterizedTest(name = "batch {0}, {1}->{2} channels, kernel {3}x{4}x{4}, first frame repeated {5}x, time zero pads {6}/{7}, stride {8}")
    @CsvSource({
        "1, 8, 16, 3, 3, 2, 0, 0, 1", // causal conv (VAE): first frame repeated twice, spatial zeros as conv pads
        "1, 8, 16, 3, 3, 0, 0, 0, 1", // time already padded by the caller
        "2, 6, 10, 3, 3, 2, 0, 0, 1", // batch of two: frames of both items become one batch
        "1, 8, 12, 3, 3, 0, 1, 1, 2", // zero time padding (latent upsampler) and a spatial stride
        "2, 16, 8, 1, 1, 0, 0, 0, 1", // 1x1x1 shortcut
    })
    void framesAsBatchMatchesTheThreeDimensionalConvolution(final int batch, final int in, final int out, final int kt,
            final int k, final int repeatFirst, final int padBefore, final int padAfter, final int stride) {
        final long[] xShape = {batch, in, 7, 6, 10};
        final Random random = new Random(in * 31L + out);
        final Tensor x = Tensor.ofFloats(xShape, gaussian(random, Tensor.numel(xShape), 1.0));
        final Tensor weight = Tensor.ofFloats(new long[] {out, in, kt, k, k}, gaussian(random, (long) out * in * kt * k * k, 0.2));
        final Tensor bias = Tensor.ofFloats(new long[] {out}, gaussian(random, out, 0.1));
        final long half = k / 2;
        final long[] pads = {padBefore, half, half, padAfter, half, half};
        final long[] strides = {1, stride, stride};

        final NumericPolicy policy = NumericPolicy.of(Precision.INT8);
        policy.weights().record(KEY + Conv.YSCALE_SUFFIX, Conv.outputRange(-3f, 3f, -4f, 5f));
        final GraphBuilder frames = new GraphBuilder("frames", Target.ONNX_RUNTIME, policy);
        final Value input = frames.input("x", DType.F32, xShape[0], xShape[1], xShape[2], xShape[3], xShape[4]);
        final Value y = Conv.withInt8MinMacs(0, () -> Conv.apply(frames, KEY, weight, frames.weight("bias", bias), input,
                v -> repeatFirstFrame(frames, v, repeatFirst), pads, strides, Linear.Role.BULK));
        frames.output(y, "y", DType.F32);
        assertEquals(1, count(frames, "QLinearConv"));
        assertEquals(4, kernelRank(frames), "the int8 conv is two-dimensional");

        final QuantizedWeights.Int8 q = policy.weights().conv(KEY, weight);
        final float[] range = policy.weights().find(KEY + Conv.YSCALE_SUFFIX).orElseThrow().toFloatArray();
        final GraphBuilder reference = threeDimensional(xShape, repeatFirst, q, bias, range, kt, k, pads, strides);

        final float[] expected = run(reference, x);
        final float[] actual = run(frames, x);
        final long frameCount = xShape[2] + repeatFirst + padBefore + padAfter - kt + 1;
        assertEquals((long) batch * out * frameCount * ((6 + 2 * half - k) / stride + 1) * ((10 + 2 * half - k) / stride + 1),
                actual.length);
        assertArrayEquals(expected, actual);
        assertTrue(nonZero(actual) > actual.length / 2, "a non-trivial output");
    }

    /**
     * The plain form, as Conv emitted it before: the float input padded, DynamicQuantizeLinear → 3-D QLinearConv →
     * DequantizeLinear.
     */
    private static GraphBuilder threeDimensional(final long[] xShape, final int repeatFirst, final QuantizedWeights.Int8 q,
            final Tensor bias, final float[] range, final int kt, final int k, final long[] pads, final long[] strides) {
        final GraphBuilder g = new GraphBuilder("three_d", Target.ONNX_RUNTIME);
        final Value x = repeatFirstFrame(g, g.input("x", DType.F32, xShape[0], xShape[1], xShape[2], xShape[3], xShape[4]),
                repeatFirst);
        final int out = Math.toIntExact(q.values().dim(0));
        final List<Value> quantized = g.node("DynamicQuantizeLinear", "", List.of(x), 3);
        final Value scale = g.initializer("w_scale", q.scale());
        final Value yScale = g.mul(quantized.get(1), g.scalar(range[0] / range[2]));
        final Value yZero = g.initializer("y_zero", Tensor.ofBytes(DType.U8, new long[0], new byte[] {(byte) Math.round(range[1])}));
        final Value biasInt = g.op("Cast", List.of(g.op("Round", g.div(g.initializer("bias", bias), g.mul(quantized.get(1), scale)))),
                Attr.i("to", TensorProto.DataType.INT32_VALUE));
        final List<Value> inputs = new ArrayList<>(List.of(quantized.get(0), quantized.get(1), quantized.get(2),
                g.initializer("w", q.values()), scale, g.initializer("w_zero", Tensor.ofBytes(DType.I8, new long[] {out}, new byte[out])),
                yScale, yZero, biasInt));
        final Value y = g.op("QLinearConv", inputs, Attr.ints("kernel_shape", kt, k, k), Attr.ints("pads", pads),
                Attr.ints("strides", strides));
        g.output(g.op("DequantizeLinear", y, yScale, yZero), "y", DType.F32);
        return g;
    }

    private static Value repeatFirstFrame(final GraphBuilder g, final Value x, final int times) {
        if (times == 0) {
            return x;
        }
        final List<Value> inputs = new ArrayList<>(List.of(x, g.longs(times, 0)));
        inputs.add(null);
        inputs.add(g.longs(2));
        return g.node("Pad", "", inputs, 1, Attr.s("mode", "edge")).get(0);
    }

    private static float[] run(final GraphBuilder graph, final Tensor x) {
        try (OnnxSession session = OnnxSession.create(graph, SessionConfig.cpu())) {
            return session.run(TensorBundle.of(Map.of("x", x))).get("y").toFloatArray();
        }
    }

    private static long count(final GraphBuilder graph, final String op) {
        return graph.build().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }

    private static int kernelRank(final GraphBuilder graph) {
        final NodeProto conv = graph.build().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QLinearConv"))
                .findFirst().orElseThrow();
        return 2 + conv.getAttributeList().stream().filter(a -> a.getName().equals("kernel_shape")).findFirst().orElseThrow()
                .getIntsCount();
    }

    private static float[] gaussian(final Random random, final long n, final double std) {
        final float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    private static int nonZero(final float[] v) {
        int n = 0;
        for (final float f : v) {
            n += f != 0f ? 1 : 0;
        }
        return n;
    }
}
