package org.nifiltx.onnx.quality;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorStats;

/**
 * The gate every reduced precision meets per stage: cosine ≥ 0.999 (fp8: ≥ 0.99) and a stated max relative error vs
 * fp32.
 */
final class QualityGate {
    static final double COSINE = 0.999;

    private QualityGate() {
    }

    /** Asserts the gate for {@code reduced} against {@code fp32}; a bit-identical output fails (the mode did not run). */
    static void check(final String precision, final String what, final Tensor fp32, final Tensor reduced,
            final double maxRelative) {
        check(precision, what, fp32, reduced, COSINE, maxRelative);
    }

    /** As above with a precision's own cosine bound (fp8: 0.99, the target TensorRT's FP8 engines are held to). */
    static void check(final String precision, final String what, final Tensor fp32, final Tensor reduced,
            final double minCosine, final double maxRelative) {
        final double cosine = TensorStats.cosine(reduced, fp32);
        final double relative = TensorStats.maxRelativeError(reduced, fp32);
        System.out.printf("%s gate %s: cosine %.7f, max rel err %.2e%n", precision, what, cosine, relative);
        assertTrue(cosine >= minCosine, what + ": cosine " + cosine + " < " + minCosine);
        assertTrue(relative <= maxRelative, what + ": max relative error " + relative + " > " + maxRelative);
        assertTrue(relative > 0, what + ": " + precision + " output equals fp32 bit for bit, so " + precision + " did not run");
    }
}
