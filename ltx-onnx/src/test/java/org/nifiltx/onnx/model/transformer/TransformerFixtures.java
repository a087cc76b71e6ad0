package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;

/** Fixture paths and the parity check the transformer tests share, with the measured error printed. */
final class TransformerFixtures {
    static final double RELATIVE_TOLERANCE = Parity.RELATIVE_TOLERANCE;

    private TransformerFixtures() {
    }

    static Path resource(final String relative) {
        return TinyFixtures.path(relative);
    }

    /** max |actual − expected| / max |expected|. */
    static double relativeError(final Tensor expected, final Tensor actual) {
        return Parity.relativeError(expected, actual);
    }

    /** Asserts parity within the fixture tolerance and prints the measured error. */
    static void assertClose(final String label, final Tensor expected, final Tensor actual) {
        final double error = relativeError(expected, actual);
        System.out.printf("%s: max abs err / max|ref| = %.3e (tolerance %.0e)%n", label, error, RELATIVE_TOLERANCE);
        assertTrue(error <= RELATIVE_TOLERANCE, label + ": relative error " + error + " exceeds " + RELATIVE_TOLERANCE);
    }
}
