package org.nifiltx.onnx.model.vae;

import java.nio.file.Path;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;

/** Fixture access and the parity measures the VAE tests share (argument order: actual, expected). */
final class VaeFixtures {
    static final double RELATIVE_TOLERANCE = Parity.RELATIVE_TOLERANCE;
    static final double UINT8_FRACTION = Parity.UINT8_FRACTION;

    private VaeFixtures() {
    }

    static Path resource(final String relative) {
        return TinyFixtures.path(relative);
    }

    static TensorBundle read(final String relative) {
        return TinyFixtures.read(relative);
    }

    /** Max |actual − expected| divided by max |expected|, after checking the shapes agree. */
    static double relativeError(final Tensor actual, final Tensor expected) {
        return Parity.relativeError(expected, actual);
    }

    /** Fraction of uint8 values within ±1 of the reference. */
    static double fractionWithinOne(final Tensor actual, final Tensor expected) {
        return Parity.fractionWithinOne(expected, actual);
    }
}
