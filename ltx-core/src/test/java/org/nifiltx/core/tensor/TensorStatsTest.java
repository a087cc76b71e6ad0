package org.nifiltx.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxException;

class TensorStatsTest {
    @Test
    void cosineOfIdenticalParallelOppositeAndOrthogonal() {
        final float[] a = {1, -2, 3, 0.5f};
        assertEquals(1.0, TensorStats.cosine(a, a.clone()), 1e-12);
        assertEquals(1.0, TensorStats.cosine(a, new float[] {2, -4, 6, 1}), 1e-12);
        assertEquals(-1.0, TensorStats.cosine(a, new float[] {-1, 2, -3, -0.5f}), 1e-12);
        assertEquals(0.0, TensorStats.cosine(new float[] {1, 0, 0}, new float[] {0, 5, 0}), 0.0);
        assertEquals(0.0, TensorStats.cosine(new float[] {1, 1}, new float[] {1, -1}), 1e-12);
    }

    @Test
    void cosineOfAKnownAngle() {
        // 45 degrees between (1, 0) and (1, 1)
        assertEquals(Math.sqrt(0.5), TensorStats.cosine(new float[] {1, 0}, new float[] {1, 1}), 1e-12);
    }

    @Test
    void cosineOfZeroTensors() {
        assertEquals(1.0, TensorStats.cosine(new float[3], new float[3]), 0.0);
        assertEquals(0.0, TensorStats.cosine(new float[] {0, 0}, new float[] {1, 0}), 0.0);
    }

    @Test
    void maxRelativeErrorOfAKnownPair() {
        // max|a - b| = 0.5 (last element), max|b| = 4
        final float[] reference = {1, -4, 2, 3};
        final float[] actual = {1.25f, -4, 2, 3.5f};
        assertEquals(0.125, TensorStats.maxRelativeError(actual, reference), 1e-12);
        assertEquals(0.5, TensorStats.maxAbsError(actual, reference), 1e-12);
        assertEquals(0.0, TensorStats.maxRelativeError(reference, reference.clone()), 0.0);
    }

    @Test
    void maxRelativeErrorIsScaledByTheReferenceNotTheActual() {
        // the same differences {1, 2}, over max|reference| = 2 or 4
        assertEquals(1.0, TensorStats.maxRelativeError(new float[] {1, 4}, new float[] {0, 2}), 1e-12);
        assertEquals(0.5, TensorStats.maxRelativeError(new float[] {0, 2}, new float[] {1, 4}), 1e-12);
    }

    @Test
    void zeroReferenceGivesZeroOrInfinity() {
        assertEquals(0.0, TensorStats.maxRelativeError(new float[2], new float[2]), 0.0);
        assertEquals(Double.POSITIVE_INFINITY, TensorStats.maxRelativeError(new float[] {1, 0}, new float[2]));
    }

    @Test
    void nanPropagates() {
        final float[] withNan = {1, Float.NaN};
        assertTrue(Double.isNaN(TensorStats.cosine(withNan, new float[] {1, 1})));
        assertTrue(Double.isNaN(TensorStats.maxRelativeError(withNan, new float[] {1, 1})));
        assertTrue(Double.isNaN(TensorStats.maxRelativeError(new float[] {1, 1}, withNan)));
    }

    @Test
    void comparesTensorsOfAnyFloatDtype() {
        final Tensor reference = Tensor.ofFloats(new long[] {2, 2}, new float[] {1, -4, 2, 3});
        final Tensor actual = Tensor.ofFloats(new long[] {2, 2}, new float[] {1.25f, -4, 2, 3.5f});
        final TensorStats.Comparison c = TensorStats.compare(actual, reference);
        assertEquals(0.125, c.maxRelativeError(), 1e-12);
        assertEquals(0.5, c.maxAbsError(), 1e-12);
        assertEquals(TensorStats.cosine(actual, reference), c.cosine(), 0.0);
        assertTrue(c.cosine() > 0.99 && c.cosine() < 1.0, "cosine " + c.cosine());
        // bf16 1, -4, 2, 3 (little-endian 0x3F80, 0xC080, 0x4000, 0x4040) is the reference exactly
        final Tensor bf16 = Tensor.ofBytes(DType.BF16, new long[] {2, 2},
                new byte[] {(byte) 0x80, 0x3F, (byte) 0x80, (byte) 0xC0, 0x00, 0x40, 0x40, 0x40});
        assertEquals(1.0, TensorStats.cosine(bf16, reference), 1e-12);
        assertEquals(0.0, TensorStats.maxRelativeError(bf16, reference), 0.0);
    }

    @Test
    void rejectsDifferentShapes() {
        final Tensor a = Tensor.ofFloats(new long[] {2, 2}, new float[4]);
        final Tensor b = Tensor.ofFloats(new long[] {4}, new float[4]);
        final LtxException e = assertThrows(LtxException.class, () -> TensorStats.compare(a, b));
        assertEquals("cannot compare tensors of shapes [2, 2] and [4]", e.getMessage());
        assertThrows(LtxException.class, () -> TensorStats.cosine(new float[2], new float[3]));
    }
}
