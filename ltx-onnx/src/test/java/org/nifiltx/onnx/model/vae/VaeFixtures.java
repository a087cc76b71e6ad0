package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Fixture access and the parity measures used by the VAE tests. */
final class VaeFixtures {
    static final double RELATIVE_TOLERANCE = 1e-4;
    static final double UINT8_FRACTION = 0.999;

    private VaeFixtures() {
    }

    static Path resource(final String relative) {
        try {
            return Path.of(VaeFixtures.class.getResource("/fixtures/ltx-tiny/" + relative).toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static TensorBundle read(final String relative) {
        return SafeTensors.read(resource(relative));
    }

    /** Max |actual − expected| divided by max |expected|, after checking the shapes agree. */
    static double relativeError(final Tensor actual, final Tensor expected) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        final float[] a = actual.toFloatArray();
        final float[] e = expected.toFloatArray();
        double maxError = 0;
        double maxReference = 0;
        for (int i = 0; i < e.length; i++) {
            maxError = Math.max(maxError, Math.abs((double) a[i] - e[i]));
            maxReference = Math.max(maxReference, Math.abs(e[i]));
        }
        assertTrue(maxReference > 0, "reference is all zeros");
        return maxError / maxReference;
    }

    /** Fraction of uint8 values within ±1 of the reference. */
    static double fractionWithinOne(final Tensor actual, final Tensor expected) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        final byte[] a = actual.toByteArray();
        final byte[] e = expected.toByteArray();
        long close = 0;
        for (int i = 0; i < e.length; i++) {
            if (Math.abs(Byte.toUnsignedInt(a[i]) - Byte.toUnsignedInt(e[i])) <= 1) {
                close++;
            }
        }
        return (double) close / e.length;
    }
}
