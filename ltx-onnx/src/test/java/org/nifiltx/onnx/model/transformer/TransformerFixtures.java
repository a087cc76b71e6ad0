package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.nifiltx.core.tensor.Tensor;

/** Fixture paths (test resources only) and the parity check shared by the transformer tests. */
final class TransformerFixtures {
    static final double RELATIVE_TOLERANCE = 1e-4;

    private TransformerFixtures() {
    }

    static Path resource(final String relative) {
        final URL url = TransformerFixtures.class.getResource("/fixtures/ltx-tiny/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource missing: fixtures/ltx-tiny/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** max |actual − expected| / max |expected|. */
    static double relativeError(final Tensor expected, final Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        final float[] e = expected.toFloatArray();
        final float[] a = actual.toFloatArray();
        double maxError = 0;
        double maxReference = 0;
        for (int i = 0; i < e.length; i++) {
            assertTrue(Float.isFinite(a[i]), "non-finite output at " + i);
            maxError = Math.max(maxError, Math.abs((double) a[i] - e[i]));
            maxReference = Math.max(maxReference, Math.abs(e[i]));
        }
        assertTrue(maxReference > 0, "reference is all zeros");
        return maxError / maxReference;
    }

    /** Asserts parity within the fixture tolerance and prints the measured error. */
    static void assertClose(final String label, final Tensor expected, final Tensor actual) {
        final double error = relativeError(expected, actual);
        System.out.printf("%s: max abs err / max|ref| = %.3e (tolerance %.0e)%n", label, error, RELATIVE_TOLERANCE);
        assertTrue(error <= RELATIVE_TOLERANCE, label + ": relative error " + error + " exceeds " + RELATIVE_TOLERANCE);
    }
}
