package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nifiltx.core.tensor.Tensor;

/** The fixtures README's tolerance: max abs error ≤ 1e-4 × max |reference|. */
final class Parity {
    static final double RELATIVE = 1e-4;

    private Parity() {
    }

    static void assertClose(final Tensor expected, final Tensor actual, final String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertClose(expected.toFloatArray(), actual.toFloatArray(), what);
    }

    static void assertClose(final float[] expected, final float[] actual, final String what) {
        double maxRef = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxRef > 0, what + ": reference is all zeros");
        assertTrue(maxErr <= RELATIVE * maxRef, what + ": max abs error " + maxErr + " > 1e-4 x " + maxRef);
    }
}
