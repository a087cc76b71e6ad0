package org.nifiltx.onnx.layers;

import java.util.Arrays;
import java.util.List;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.Fp8Calibration;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;

/**
 * A PyTorch Linear ({@code x · Wᵀ + b}, W [out, in]) in the graph's precision. fp32: MatMul on the transposed weight
 * (ONNX Runtime folds the Transpose and fuses MatMul+Add into Gemm). int8: com.microsoft DynamicQuantizeMatMul with
 * s8 weights per output channel and u8 activations quantized per tensor at run time (ORT's VNNI/AMX kernels); on the
 * standard-ONNX target the same arithmetic as DynamicQuantizeLinear + MatMulInteger. Layers whose error would
 * dominate (first/last projections, timestep and caption embeddings) ask for {@link Role#SENSITIVE} and stay fp32.
 * fp8: the standard Q/DQ pattern TensorRT fuses into FP8 GEMMs: the input through QuantizeLinear/DequantizeLinear to
 * float8 e4m3fn with a calibrated per-tensor scale, the weight stored e4m3fn with per-output-channel scales behind
 * DequantizeLinear (axis 0 of the [out, in] weight), then MatMul and bias in fp32.
 */
public final class Linear {
    /** Whether a layer may be quantized. */
    public enum Role {
        /** Bulk compute (attention projections, feed-forward): quantized in int8 mode. */
        BULK,
        /** Few FLOPs but large influence on the output: always computed in fp32. */
        SENSITIVE
    }

    private Linear() {
    }

    /** {@code name.weight} [out, in] and, when present in the checkpoint, {@code name.bias} [out]. */
    public static Value apply(final GraphBuilder graph, final WeightStore weights, final String name, final Value x,
            final long out, final long in, final Role role) {
        final String weightKey = name + ".weight";
        // not loaded yet: an int8 layer whose weight is cached never loads (nor, for GGUF, dequantizes) it
        final LazyTensor weight = weights.lazy(weightKey, out, in);
        final Value bias = weights.contains(name + ".bias")
                ? graph.weight(weights.prefix() + name + ".bias", weights.get(name + ".bias", out)) : null;
        return apply(graph, weights.prefix() + weightKey, weight, bias, x, role);
    }

    /** A linear layer on an explicit weight tensor [out, in] registered under {@code fullKey}. */
    public static Value apply(final GraphBuilder graph, final String fullKey, final Tensor weight, final Value bias,
            final Value x, final Role role) {
        return apply(graph, fullKey, LazyTensor.of(weight), bias, x, role);
    }

    private static Value apply(final GraphBuilder graph, final String fullKey, final LazyTensor weight, final Value bias,
            final Value x, final Role role) {
        if (role == Role.BULK && graph.policy().int8()) {
            return int8(graph, fullKey, weight, bias, x);
        }
        if (role == Role.BULK && graph.policy().fp8()) {
            return fp8(graph, fullKey, weight, bias, x);
        }
        if (role == Role.BULK && graph.policy().probe()) {
            // the calibration pass: this layer's max |input| as an extra output, the layer itself unchanged
            final Value amax = graph.op("ReduceMax", List.of(graph.op("Abs", x)), Attr.i("keepdims", 0));
            graph.output(amax, fullKey + Fp8Calibration.AMAX_SUFFIX, DType.F32);
        }
        final boolean fp8 = weight.dtype() == DType.F8_E4M3 || weight.dtype() == DType.F8_E5M2;
        if (fp8 && !graph.policy().bf16()) {
            // an fp8 checkpoint's block linear in fp32: one byte per weight, widened per call (never folded); bf16
            // mode widens it exactly to bf16 once (e4m3/e5m2 values are bf16 values), which decodes faster per call
            return graph.linear(x, graph.weight(fullKey, weight.load()), bias, true);
        }
        if (role == Role.BULK && graph.policy().bf16()) {
            // stored bf16, widened to float32 per layer just before its MatMul (see SessionConfig.narrowWeights)
            return graph.linear(x, graph.weight(fullKey + QuantizedWeights.BF16_SUFFIX,
                    graph.policy().weights().bf16(fullKey, weight.load())), bias);
        }
        return graph.linear(x, graph.weight(fullKey, weight.load()), bias);
    }

    private static Value fp8(final GraphBuilder graph, final String fullKey, final LazyTensor weight, final Value bias,
            final Value x) {
        final Value scale = graph.scalar(graph.policy().calibration().scale(fullKey));
        final Value zeroPoint = graph.initializer(graph.fresh("fp8_zero"), Tensor.ofBytes(DType.F8_E4M3, new long[0], new byte[1]));
        final Value quantized = graph.op("QuantizeLinear", List.of(x, scale, zeroPoint), Attr.i("saturate", 1));
        final Value input = graph.op("DequantizeLinear", quantized, scale, zeroPoint);
        final QuantizedWeights.Fp8 w = graph.policy().weights().fp8(fullKey, weight);
        final String valuesKey = fullKey + QuantizedWeights.FP8_SUFFIX;
        final Value weightScale = w.unitScale() ? null : graph.initializer(fullKey + QuantizedWeights.SCALE_SUFFIX, w.scale());
        if (graph.target() == Target.ONNX_RUNTIME && w.values().data().remaining() >= GraphBuilder.SUPPLY_THRESHOLD_BYTES) {
            // ONNX Runtime's Java API cannot hand over a float8 tensor, so a large e4m3 weight goes in as its bytes,
            // decoded exactly by table (GraphBuilder.weight), and its channel scales multiply the product instead of
            // the weight: the same values as DequantizeLinear up to float32 rounding. The standard-ONNX target (the
            // one TensorRT parses, from a file with external data) keeps the DequantizeLinear.
            final Value product = graph.linear(input, graph.weight(valuesKey, w.values()), null, true);
            final Value scaled = weightScale == null ? product : graph.mul(product, weightScale);
            return bias == null ? scaled : graph.add(scaled, bias);
        }
        final Value values = graph.initializer(valuesKey, w.values());
        final Value dequantized = weightScale == null ? graph.op("DequantizeLinear", values, graph.scalar(1f))
                : graph.op("DequantizeLinear", List.of(values, weightScale), Attr.i("axis", 0));
        return graph.linear(input, dequantized, bias, true);
    }

    private static Value int8(final GraphBuilder graph, final String fullKey, final LazyTensor weight, final Value bias,
            final Value x) {
        final QuantizedWeights.Int8 q = graph.policy().weights().linear(fullKey, weight);
        final int out = Math.toIntExact(weight.dim(0));
        final Value values = graph.initializer(fullKey + QuantizedWeights.INT8_SUFFIX, q.values());
        final Value scale = graph.initializer(fullKey + QuantizedWeights.SCALE_SUFFIX, q.scale());
        final Value zeroPoint = graph.initializer(graph.fresh("zero_point"), Tensor.ofBytes(DType.I8, new long[] {out}, new byte[out]));
        if (graph.target() == Target.ONNX_RUNTIME) {
            final List<Value> inputs = bias == null ? List.of(x, values, scale, zeroPoint)
                    : Arrays.asList(x, values, scale, zeroPoint, bias);
            return graph.node("DynamicQuantizeMatMul", GraphBuilder.MICROSOFT_DOMAIN, inputs, 1).get(0);
        }
        final List<Value> quantized = graph.node("DynamicQuantizeLinear", "", List.of(x), 3);
        final Value integer = graph.op("MatMulInteger", quantized.get(0), values, quantized.get(2), zeroPoint);
        final Value asFloat = graph.op("Cast", List.of(integer), Attr.i("to", TensorProto.DataType.FLOAT_VALUE));
        final Value product = graph.mul(asFloat, graph.mul(quantized.get(1), scale));
        return bias == null ? product : graph.add(product, bias);
    }
}
