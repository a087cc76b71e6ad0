package org.nifiltx.onnx.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;

/**
 * An N-d convolution (PyTorch Conv2d/Conv3d: weight [out, in, k...], bias [out]) in the graph's precision. Padding is
 * the caller's: explicit {@code pads} here, replicate/reflect padding as a Pad node before (or a copy padding that an int8
 * conv applies to its quantized input).
 *
 * <p>int8 ({@link org.nifiltx.onnx.graph.NumericPolicy#int8()}, {@link Linear.Role#BULK} and at least {@link
 * #INT8_MIN_MACS} multiply-adds per output position): {@code DynamicQuantizeLinear(x)} → {@code QLinearConv} with s8
 * weights per output channel ({@link QuantizedWeights#conv}) and a u8 output with an asymmetric zero point → {@code
 * DequantizeLinear}. That is ONNX Runtime's VNNI/AMX int8 convolution; {@code ConvInteger} has no fast path on x86
 * (about 10× slower than fp32) and is never emitted. A 3-D kernel runs as a 2-D QLinearConv over frames, its time taps
 * stacked as channels (see {@code framesAsBatch}), with the same output. QLinearConv needs its output scale up front:
 * it is taken from a calibration ({@link ConvCalibration}) recorded in the policy's weight store under {@code
 * <key>.yscale} as [y_scale, y_zero_point, x_scale] (calibrated output range times {@link #RANGE_MARGIN}, and the input
 * scale DynamicQuantizeLinear had then). At run time the output scale follows the input: y_scale · (x_scale_now /
 * x_scale_calibrated), one scalar Mul (ONNX Runtime reads y_scale as a run-time input, not only as an initializer), so
 * inputs larger or smaller than the calibration's keep their resolution and do not clip. Without a recorded range the
 * conv is emitted in fp32 with a calibration tap (an extra graph output {@code <key>.calibration} holding [min x, max
 * x, min y, max y]); {@link ConvCalibration} runs such a graph once and records the ranges.
 */
public final class Conv {
    /**
     * Smallest in·out·k^d (multiply-adds per output position) computed in int8: 2^17, so 3×3×3 convs from 72×72
     * channels up (every res-block conv of the LTX VAE: 128×128 and wider) and no 1×1 shortcut below 362 channels.
     * Below it the two extra passes over the activations (quantize, dequantize) cost about what the int8 GEMM saves.
     */
    public static final long INT8_MIN_MACS = 1L << 17;
    /**
     * Calibrated output ranges are widened by this factor before they become a QLinearConv output scale: a trade
     * between resolution and clipping of inputs unlike the calibration's. Measured (video cosine vs fp32): real-width
     * random-weight decoder 0.99928 / 0.99921 / 0.99908 at 1.0 / 1.1 / 1.25; tiny fixture decoder on its own latents
     * 0.99897 / 0.99937 at 1.0 / 1.1. 1.1 is the smallest that keeps both above 0.999.
     */
    public static final float RANGE_MARGIN = 1.1f;
    /** Suffix of the calibrated range tensor in the weight store. */
    public static final String YSCALE_SUFFIX = ".yscale";
    /** Suffix of a calibration tap output. */
    public static final String CALIBRATION_SUFFIX = ".calibration";

    private static final ThreadLocal<Long> MIN_MACS = ThreadLocal.withInitial(() -> INT8_MIN_MACS);

    private Conv() {
    }

    /** A bulk convolution (int8 in int8 mode when big enough). */
    public static Value apply(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final long[] pads, final long[] strides) {
        return apply(graph, fullKey, weight, bias, x, pads, strides, Linear.Role.BULK);
    }

    /**
     * @param fullKey  the weight's checkpoint key (also the cache key of its reduced forms)
     * @param weight   [out, in, k...]
     * @param bias     [out] as a graph value, or null
     * @param pads     ONNX pads (begin values then end values), or all zeros
     * @param strides  per spatial axis
     * @param role     {@link Linear.Role#SENSITIVE} keeps the conv fp32 in every mode (a model's first and last conv)
     */
    public static Value apply(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final long[] pads, final long[] strides, final Linear.Role role) {
        return apply(graph, fullKey, weight, bias, x, UnaryOperator.identity(), pads, strides, role);
    }

    /**
     * As above, with a padding of the input that only copies its values (edge, reflect or wrap {@code Pad} nodes: a
     * causal conv's repeated first frame). It is applied to whatever the conv computes on: the float input, or in int8
     * the quantized bytes, a quarter of the data; both give the same values, since copies leave the range
     * DynamicQuantizeLinear scales by unchanged.
     */
    public static Value apply(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final UnaryOperator<Value> copyPadding, final long[] pads, final long[] strides,
            final Linear.Role role) {
        if (role == Linear.Role.BULK && graph.policy().int8() && macs(weight) >= MIN_MACS.get()) {
            final Optional<Tensor> range = graph.policy().weights().find(fullKey + YSCALE_SUFFIX);
            if (range.isPresent()) {
                return int8(graph, fullKey, weight, bias, x, copyPadding, pads, strides, range.get());
            }
            final Value y = fp32(graph, fullKey, weight, bias, copyPadding.apply(x), pads, strides);
            tap(graph, fullKey, x, y);
            return y;
        }
        if (role == Linear.Role.BULK && graph.policy().bf16()) {
            return fp32(graph, fullKey + QuantizedWeights.BF16_SUFFIX, graph.policy().weights().bf16(fullKey, weight), bias,
                    copyPadding.apply(x), pads, strides);
        }
        return fp32(graph, fullKey, weight, bias, copyPadding.apply(x), pads, strides);
    }

    /** Multiply-adds per output position: in · out · Π k. */
    public static long macs(final Tensor weight) {
        long macs = 1;
        for (final long d : weight.shape()) {
            macs *= d;
        }
        return macs;
    }

    /** Runs {@code body} with another int8 size threshold on this thread (tests: int8 on tiny fixture models). */
    public static <T> T withInt8MinMacs(final long minMacs, final Supplier<T> body) {
        final Long previous = MIN_MACS.get();
        MIN_MACS.set(minMacs);
        try {
            return body.get();
        } finally {
            MIN_MACS.set(previous);
        }
    }

    /** Keys of the convs in {@code graph} that still need a calibrated range (their tap outputs). */
    public static List<String> calibrationTaps(final GraphBuilder graph) {
        final List<String> keys = new ArrayList<>();
        for (final String name : graph.outputNames()) {
            if (name.endsWith(CALIBRATION_SUFFIX)) {
                keys.add(name.substring(0, name.length() - CALIBRATION_SUFFIX.length()));
            }
        }
        return keys;
    }

    /**
     * The {@code <key>.yscale} tensor for a conv whose calibration saw inputs in [xMin, xMax] and outputs in
     * [yMin, yMax]: [y_scale, y_zero_point, x_scale] as described in the class comment.
     */
    public static Tensor outputRange(final float xMin, final float xMax, final float yMin, final float yMax) {
        // DynamicQuantizeLinear's scale: the range widened to include 0, over 255 levels
        final float xScale = Math.max(Math.max(xMax, 0f) - Math.min(xMin, 0f), Float.MIN_NORMAL) / 255f;
        final float low = Math.min(yMin, 0f) * RANGE_MARGIN;
        final float high = Math.max(yMax, 0f) * RANGE_MARGIN;
        final float yScale = Math.max(high - low, Float.MIN_NORMAL) / 255f;
        final float zeroPoint = Math.max(0, Math.min(255, Math.round(-low / yScale)));
        return Tensor.ofFloats(new long[] {3}, new float[] {yScale, zeroPoint, xScale});
    }

    private static Value fp32(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final long[] pads, final long[] strides) {
        final Value w = graph.weight(fullKey, weight);
        final List<Value> inputs = bias == null ? List.of(x, w) : List.of(x, w, bias);
        return graph.op("Conv", inputs, Attr.ints("kernel_shape", kernel(weight)), Attr.ints("pads", pads),
                Attr.ints("strides", strides));
    }

    private static long[] kernel(final Tensor weight) {
        final long[] kernel = new long[weight.rank() - 2];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = weight.dim(i + 2);
        }
        return kernel;
    }

    /** Output {@code <key>.calibration} = [min x, max x, min y, max y]. */
    private static void tap(final GraphBuilder graph, final String fullKey, final Value x, final Value y) {
        final Value stats = graph.concat(0, extreme(graph, "ReduceMin", x), extreme(graph, "ReduceMax", x),
                extreme(graph, "ReduceMin", y), extreme(graph, "ReduceMax", y));
        graph.output(stats, fullKey + CALIBRATION_SUFFIX, DType.F32, 4);
    }

    private static Value extreme(final GraphBuilder graph, final String op, final Value x) {
        // no axes: reduce over every axis, keepdims 0 → scalar; reshaped to [1] for the Concat
        return graph.reshape(graph.op(op, List.of(x), Attr.i("keepdims", 0)), 1);
    }

    private static Value int8(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final UnaryOperator<Value> copyPadding, final long[] pads, final long[] strides,
            final Tensor range) {
        final float[] calibrated = range.toFloatArray();
        final QuantizedWeights.Int8 q = graph.policy().weights().conv(fullKey, weight);
        final int out = Math.toIntExact(weight.dim(0));
        final boolean tapsAsChannels = weight.rank() == 5 && strides[0] == 1;
        // the same bytes either way: [O, C, kt, kh, kw] read as [O, C·kt, kh, kw] (see framesAsBatch)
        final Tensor values = tapsAsChannels ? q.values().reshape(out, weight.dim(1) * weight.dim(2), weight.dim(3),
                weight.dim(4)) : q.values();
        final Value scale = graph.initializer(fullKey + QuantizedWeights.SCALE_SUFFIX, q.scale());
        final Value weightZero = graph.initializer(graph.fresh("zero_point"),
                Tensor.ofBytes(DType.I8, new long[] {out}, new byte[out]));
        final List<Value> quantized = graph.node("DynamicQuantizeLinear", "", List.of(x), 3);
        final Value xScale = quantized.get(1);
        // y_scale follows the run-time input scale: calibrated y_scale · x_scale / calibrated x_scale
        final Value yScale = graph.mul(xScale, graph.scalar(calibrated[0] / calibrated[2]));
        final Value yZero = graph.initializer(graph.fresh("y_zero_point"),
                Tensor.ofBytes(DType.U8, new long[0], new byte[] {(byte) Math.round(calibrated[1])}));
        final Value padded = copyPadding.apply(quantized.get(0));
        // zero time padding of a frames-as-batch conv is done here too: in bytes the real 0 is the zero point
        final Value frames = tapsAsChannels && (pads[0] > 0 || pads[3] > 0)
                ? graph.node("Pad", "", List.of(padded, graph.longs(pads[0], pads[3]), quantized.get(2), graph.longs(2)),
                        1, Attr.s("mode", "constant")).get(0)
                : padded;
        final Value input = tapsAsChannels ? framesAsBatch(graph, frames, weight.dim(2)) : frames;
        final List<Value> inputs = new ArrayList<>(List.of(input, xScale, quantized.get(2),
                graph.initializer(fullKey + QuantizedWeights.INT8_SUFFIX, values), scale, weightZero, yScale, yZero));
        if (bias != null) {
            // int32 bias in the accumulator's scale x_scale · w_scale[o], known only at run time ([out] elements)
            final Value accumulatorScale = graph.mul(xScale, scale);
            inputs.add(graph.op("Cast", List.of(graph.op("Round", graph.div(bias, accumulatorScale))),
                    Attr.i("to", TensorProto.DataType.INT32_VALUE)));
        }
        final long[] kernel = kernel(weight);
        final Value y = tapsAsChannels
                ? framesBack(graph, graph.op("QLinearConv", inputs, Attr.ints("kernel_shape", kernel[1], kernel[2]),
                        Attr.ints("pads", pads[1], pads[2], pads[4], pads[5]), Attr.ints("strides", strides[1], strides[2])),
                        frames, weight.dim(2))
                : graph.op("QLinearConv", inputs, Attr.ints("kernel_shape", kernel), Attr.ints("pads", pads),
                        Attr.ints("strides", strides));
        return graph.op("DequantizeLinear", y, yScale, yZero);
    }

    /**
     * A 3-D convolution with time stride 1 (time padding already applied) as a 2-D one: the output frame f sees input frames
     * f … f+kt−1, so the u8 input [B, C, T, H, W] becomes [B·F, C·kt, H, W] (F = T − kt + 1) with channel c·kt + t
     * holding frame f + t of channel c, which is the order of the weight [O, C, kt, kh, kw] read as [O, C·kt, kh, kw].
     * The arithmetic is the same (bit-identical output) and ONNX Runtime's 2-D int8 convolution is ≈2.4× faster than
     * its 3-D one on the VAE decoder's full-resolution 128-channel convs (measured 37 vs 88 ms, 9×64×96, 2 threads,
     * the rearrangement included): the 3-D kernel spends its time in im2col. It is done on the 1-byte values.
     */
    private static Value framesAsBatch(final GraphBuilder graph, final Value quantized, final long kt) {
        final Value frames = graph.transpose(quantized, 0, 2, 1, 3, 4); // [B, T, C, H, W]
        final Value stacked; // [B, F, C, kt, H, W]
        if (kt == 1) {
            stacked = graph.unsqueeze(frames, 3);
        } else {
            final Value[] taps = new Value[Math.toIntExact(kt)];
            for (int t = 0; t < kt; t++) {
                // frames t … T−kt+t (an end of 0 would be read as "none"; the last tap runs to the end)
                final long end = t == kt - 1 ? Long.MAX_VALUE : t - (kt - 1);
                taps[t] = graph.unsqueeze(graph.slice(frames, 1, t, end), 3);
            }
            stacked = graph.concat(3, taps);
        }
        final Value shape = graph.concat(0, graph.longs(-1), graph.op("Mul", graph.slice(graph.op("Shape", stacked), 0, 2, 3),
                graph.longs(kt)), graph.slice(graph.op("Shape", stacked), 0, 4, 6));
        return graph.op("Reshape", stacked, shape);
    }

    /** [B·F, O, H', W'] back to [B, O, F, H', W'], B and F read from the quantized input [B, C, T, H, W]. */
    private static Value framesBack(final GraphBuilder graph, final Value y, final Value quantized, final long kt) {
        final Value inputShape = graph.op("Shape", quantized);
        final Value frames = graph.op("Sub", graph.slice(inputShape, 0, 2, 3), graph.longs(kt - 1));
        final Value shape = graph.concat(0, graph.slice(inputShape, 0, 0, 1), frames, graph.slice(graph.op("Shape", y), 0, 1, 4));
        return graph.transpose(graph.op("Reshape", y, shape), 0, 2, 1, 3, 4);
    }
}
