package org.nifiltx.core.backend;

import java.util.Locale;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Compute precision a backend is asked for. On CPU: {@code FP32} (reference), {@code INT8} (int8 weights per output
 * channel, dynamically quantized int8 activations in the linear layers), {@code BF16} (bf16 weights in memory, fp32
 * compute). {@code FP8}: the transformer's block linears as float8 e4m3 QuantizeLinear/DequantizeLinear pairs (weights
 * per output channel, activations per tensor from a calibration pass): the graph TensorRT turns into FP8 GEMMs; ONNX
 * Runtime CPU runs the same graph to measure its error, slower than fp32. {@code AUTO} is resolved before any model loads
 * ({@link #resolve(CpuFeatures)}): the fastest mode that passes the quality gates on this CPU, never {@code FP8}.
 */
public enum Precision {
    FP32,
    BF16,
    FP8,
    INT8,
    AUTO;

    public static Precision parse(final String text) {
        for (final Precision p : values()) {
            if (p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "unknown precision '" + text
                + "' (expected auto, fp32, int8, bf16 or fp8)");
    }

    /** This precision with {@code AUTO} made concrete: int8 where the CPU has int8 dot-product instructions, else fp32. */
    public Precision resolve(final CpuFeatures cpu) {
        if (this != AUTO) {
            return this;
        }
        return cpu.hasInt8DotProduct() ? INT8 : FP32;
    }

    /** The lower-case name the CLI and NiFi show. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
