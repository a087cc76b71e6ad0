package org.nifiltx.onnx.graph;

import org.nifiltx.core.backend.Precision;

/**
 * How a graph computes: the one decision every layer builder ({@link org.nifiltx.onnx.layers}) reads. {@code FP32}
 * is the reference; {@code INT8} emits int8 weights (per output channel) with dynamically quantized activations for
 * the layers that tolerate it; {@code BF16} keeps weights bf16 in memory and computes in fp32; {@code FP8} emits the
 * same layers as float8 e4m3 QuantizeLinear/DequantizeLinear pairs with activation scales from {@code calibration}.
 *
 * @param precision   concrete precision (never {@code AUTO})
 * @param weights     source of quantized/narrowed weights (cached on disk or computed at build); null for fp32
 * @param calibration fp8 activation ranges per linear layer; required for {@code FP8}, null otherwise
 * @param probe       fp32 graph that also outputs each quantizable linear's max |input| (the calibration pass)
 */
public record NumericPolicy(Precision precision, QuantizedWeights weights, Fp8Calibration calibration, boolean probe) {
    public NumericPolicy {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("resolve Precision.AUTO before building a graph");
        }
        if (precision == Precision.FP8 && calibration == null) {
            throw new IllegalArgumentException("fp8 needs activation ranges: calibrate the fp32 graph first (Fp8Calibrator)");
        }
        if (precision != Precision.FP32 && weights == null) {
            weights = QuantizedWeights.inMemory();
        }
    }

    public NumericPolicy(final Precision precision, final QuantizedWeights weights) {
        this(precision, weights, null, false);
    }

    public static NumericPolicy fp32() {
        return new NumericPolicy(Precision.FP32, null);
    }

    public static NumericPolicy of(final Precision precision) {
        return new NumericPolicy(precision, null);
    }

    /** float8 Q/DQ linears with the given activation ranges and weights computed (or preloaded) in {@code weights}. */
    public static NumericPolicy fp8(final Fp8Calibration calibration, final QuantizedWeights weights) {
        return new NumericPolicy(Precision.FP8, weights, calibration, false);
    }

    /** The fp32 graph with each quantizable linear's max |input| as an extra output (see {@link Fp8Calibration}). */
    public static NumericPolicy calibrationProbe() {
        return new NumericPolicy(Precision.FP32, null, null, true);
    }

    public boolean int8() {
        return precision == Precision.INT8;
    }

    public boolean bf16() {
        return precision == Precision.BF16;
    }

    public boolean fp8() {
        return precision == Precision.FP8;
    }
}
