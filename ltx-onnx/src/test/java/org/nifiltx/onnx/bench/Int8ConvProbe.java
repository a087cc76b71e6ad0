package org.nifiltx.onnx.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/** Probe: one 3x3x3 conv, fp32 vs DynamicQuantizeLinear + QLinearConv variants. Args: channels F H W [runs]. */
public final class Int8ConvProbe {
    public static void main(final String[] args) {
        final int c = Integer.parseInt(args[0]);
        final long f = Long.parseLong(args[1]), h = Long.parseLong(args[2]), w = Long.parseLong(args[3]);
        final int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        final Random random = new Random(1);
        final long[] wShape = {c, c, 3, 3, 3};
        final float[] wv = new float[Math.toIntExact(Tensor.numel(wShape))];
        final double std = Math.sqrt(2.0 / (c * 27));
        for (int i = 0; i < wv.length; i++) wv[i] = (float) (random.nextGaussian() * std);
        final float[] bv = new float[c];
        for (int i = 0; i < c; i++) bv[i] = (float) (random.nextGaussian() * 0.1);
        final Tensor weight = Tensor.ofFloats(wShape, wv);
        final Tensor bias = Tensor.ofFloats(new long[] {c}, bv);
        final long[] xShape = {1, c, f + 2, h, w};
        final float[] xv = new float[Math.toIntExact(Tensor.numel(xShape))];
        for (int i = 0; i < xv.length; i++) { final double g = random.nextGaussian(); xv[i] = (float) (g / (1 + Math.exp(-g))); }
        final TensorBundle feeds = TensorBundle.of(Map.of("x", Tensor.ofFloats(xShape, xv)));

        final GraphBuilder fp = new GraphBuilder("fp", Target.ONNX_RUNTIME);
        final Value x0 = fp.input("x", DType.F32, xShape[0], xShape[1], xShape[2], xShape[3], xShape[4]);
        fp.output(fp.op("Conv", List.of(x0, fp.initializer("w", weight), fp.initializer("b", bias)),
                Attr.ints("kernel_shape", 3, 3, 3), Attr.ints("pads", 0, 1, 1, 0, 1, 1)), "y", DType.F32);
        final float[] ref = time("fp32", fp, feeds, runs, null);
        float min = 0, max = 0;
        for (final float v : ref) { min = Math.min(min, v); max = Math.max(max, v); }
        System.out.printf("y range %.3f .. %.3f%n", min, max);
        float xmax = 0, xmin = 0;
        for (final float v : xv) { xmin = Math.min(xmin, v); xmax = Math.max(xmax, v); }
        final float xScale = (xmax - xmin) / 255f;
        final float asymScale = (max - min) / 255f;
        final int asymZp = Math.round(-min / asymScale);
        final float symAbs = Math.max(Math.abs(min), max);
        time("int8 u8 asym static", q(weight, bias, xShape, asymScale, asymZp, false, 0, true), feeds, runs, ref);
        time("int8 s8 sym static", q(weight, bias, xShape, symAbs / 127f, 0, true, 0, true), feeds, runs, ref);
        time("int8 u8 dyn ys=xs*k", q(weight, bias, xShape, asymScale, asymZp, false, asymScale / xScale, true), feeds, runs, ref);
        time("int8 u8 asym static, bias after", q(weight, bias, xShape, asymScale, asymZp, false, 0, false), feeds, runs, ref);
    }

    static GraphBuilder q(final Tensor weight, final Tensor bias, final long[] xShape, final float yScale, final int yZp,
            final boolean signedOut, final float ratio, final boolean biasInside) {
        final GraphBuilder g = new GraphBuilder("q", Target.ONNX_RUNTIME);
        final Value x = g.input("x", DType.F32, xShape[0], xShape[1], xShape[2], xShape[3], xShape[4]);
        final QuantizedWeights.Int8 qw = QuantizedWeights.inMemory().conv("w", weight);
        final int c = Math.toIntExact(weight.dim(0));
        final List<Value> dq = g.node("DynamicQuantizeLinear", "", List.of(x), 3);
        final Value wq = g.initializer("wq", qw.values());
        final Value ws = g.initializer("ws", qw.scale());
        final Value wz = g.initializer("wz", Tensor.ofBytes(DType.I8, new long[] {c}, new byte[c]));
        final Value ys = ratio > 0 ? g.mul(dq.get(1), g.scalar(ratio)) : g.scalar(yScale);
        final Value yz = signedOut ? g.initializer("yz", Tensor.ofBytes(DType.I8, new long[0], new byte[] {0}))
                : g.initializer("yz", Tensor.ofBytes(DType.U8, new long[0], new byte[] {(byte) yZp}));
        final Value b = g.initializer("b", bias);
        final Value bq = g.op("Cast", List.of(g.op("Round", g.div(b, g.mul(dq.get(1), ws)))), Attr.i("to", TensorProto.DataType.INT32_VALUE));
        final List<Value> in = biasInside ? List.of(dq.get(0), dq.get(1), dq.get(2), wq, ws, wz, ys, yz, bq)
                : List.of(dq.get(0), dq.get(1), dq.get(2), wq, ws, wz, ys, yz);
        final Value y = g.op("QLinearConv", in, Attr.ints("kernel_shape", 3, 3, 3), Attr.ints("pads", 0, 1, 1, 0, 1, 1));
        Value out = g.op("DequantizeLinear", y, ys, yz);
        if (!biasInside) out = g.add(out, g.reshape(b, c, 1, 1, 1));
        g.output(out, "y", DType.F32);
        return g;
    }

    static float[] time(final String label, final GraphBuilder g, final TensorBundle feeds, final int runs, final float[] ref) {
        try (OnnxSession s = OnnxSession.create(g, new SessionConfig(org.nifiltx.onnx.runtime.ExecutionProvider.CPU, 0, 2, true))) {
            float[] out = null;
            final long[] ms = new long[runs];
            s.run(feeds);
            for (int i = 0; i < runs; i++) {
                final long t0 = System.nanoTime();
                out = s.run(feeds).get("y").toFloatArray();
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
            }
            Arrays.sort(ms);
            System.out.printf("%-34s median %5d ms  %s%n", label, ms[runs / 2], ref == null ? "" : compare(out, ref));
            return out;
        } catch (final RuntimeException e) {
            System.out.println(label + " FAILED: " + e.getMessage() + (e.getCause() != null ? " / " + e.getCause().getMessage() : ""));
            return null;
        }
    }

    public static String compare(final float[] a, final float[] ref) {
        double dot = 0, na = 0, nr = 0, maxErr = 0, maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * ref[i]; na += (double) a[i] * a[i]; nr += (double) ref[i] * ref[i];
            maxErr = Math.max(maxErr, Math.abs(a[i] - ref[i])); maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        return String.format("cos %.6f  maxrel %.4e", dot / Math.sqrt(na * nr), maxErr / maxRef);
    }
}
