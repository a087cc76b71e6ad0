package org.nifiltx.onnx.graph;

import org.nifiltx.core.backend.Precision;

/**
 * How a graph computes: the one decision every layer builder ({@link org.nifiltx.onnx.layers}) reads. {@code FP32}
 * is the reference; {@code INT8} emits int8 weights (per output channel) with dynamically quantized activations for
 * the layers that tolerate it; {@code BF16} keeps weights bf16 in memory and computes in fp32.
 *
 * @param precision concrete precision (never {@code AUTO})
 * @param weights   source of quantized/narrowed weights (cached on disk or computed at build); null for fp32
 */
public record NumericPolicy(Precision precision, QuantizedWeights weights) {
    public NumericPolicy {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("resolve Precision.AUTO before building a graph");
        }
        if (precision != Precision.FP32 && weights == null) {
            weights = QuantizedWeights.inMemory();
        }
    }

    public static NumericPolicy fp32() {
        return new NumericPolicy(Precision.FP32, null);
    }

    public static NumericPolicy of(final Precision precision) {
        return new NumericPolicy(precision, null);
    }

    public boolean int8() {
        return precision == Precision.INT8;
    }

    public boolean bf16() {
        return precision == Precision.BF16;
    }
}
