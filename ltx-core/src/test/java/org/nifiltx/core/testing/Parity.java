package org.nifiltx.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nifiltx.core.tensor.Tensor;

/** The fixtures README's tolerances, in one place for every module's tests. */
public final class Parity {
    /** Component outputs and per-step latents: max abs error ≤ 1e-4 × max |reference|. */
    public static final double RELATIVE_TOLERANCE = 1e-4;
    /** Pipeline frames: within ±1 on at least this fraction of uint8 values. */
    public static final double UINT8_FRACTION = 0.999;

    private Parity() {
    }

    /** max |actual − expected| / max |expected|, after checking shapes agree and the reference is not all zeros. */
    public static double relativeError(final Tensor expected, final Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        return relativeError(expected.toFloatArray(), actual.toFloatArray());
    }

    public static double relativeError(final float[] expected, final float[] actual) {
        assertTrue(expected.length == actual.length, "length " + actual.length + " != " + expected.length);
        double maxError = 0;
        double maxReference = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.isFinite(actual[i]), "non-finite value at " + i);
            maxError = Math.max(maxError, Math.abs((double) actual[i] - expected[i]));
            maxReference = Math.max(maxReference, Math.abs(expected[i]));
        }
        assertTrue(maxReference > 0, "reference is all zeros");
        return maxError / maxReference;
    }

    public static void assertClose(final Tensor expected, final Tensor actual, final String what) {
        final double error = relativeError(expected, actual);
        assertTrue(error <= RELATIVE_TOLERANCE, what + ": max abs error / max |reference| = " + error + " > " + RELATIVE_TOLERANCE);
    }

    public static void assertClose(final float[] expected, final float[] actual, final String what) {
        final double error = relativeError(expected, actual);
        assertTrue(error <= RELATIVE_TOLERANCE, what + ": max abs error / max |reference| = " + error + " > " + RELATIVE_TOLERANCE);
    }

    /** Fraction of uint8 values within ±1 of the reference. */
    public static double fractionWithinOne(final Tensor expected, final Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        final byte[] e = expected.toByteArray();
        final byte[] a = actual.toByteArray();
        long close = 0;
        for (int i = 0; i < e.length; i++) {
            if (Math.abs(Byte.toUnsignedInt(a[i]) - Byte.toUnsignedInt(e[i])) <= 1) {
                close++;
            }
        }
        return (double) close / e.length;
    }

    public static void assertFrames(final Tensor expected, final Tensor actual, final String what) {
        final double fraction = fractionWithinOne(expected, actual);
        assertTrue(fraction >= UINT8_FRACTION, what + ": only " + fraction + " of uint8 values within +-1 (need " + UINT8_FRACTION + ")");
    }
}
