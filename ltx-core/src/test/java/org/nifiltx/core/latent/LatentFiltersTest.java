package org.nifiltx.core.latent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

class LatentFiltersTest {
    private static final long[] SHAPE = {1, 2, 1, 1, 2};

    @Test
    void adainTakesReferenceStatisticsPerChannel() {
        // channel 0: x {0, 2} (mean 1, std sqrt 2), reference {10, 14} (mean 12, std 2 sqrt 2) -> {10, 14}
        // channel 1: x {5, 3} (mean 4, std sqrt 2), reference {1, 2} (mean 1.5, std sqrt 0.5) -> {2, 1}
        final Tensor result = LatentFilters.adain(Tensor.ofFloats(SHAPE, new float[] {0, 2, 5, 3}),
                Tensor.ofFloats(SHAPE, new float[] {10, 14, 1, 2}));
        assertArrayEquals(new float[] {10, 14, 2, 1}, result.toFloatArray(), 1e-6f);
    }

    @Test
    void adainFactorBlends() {
        // halfway between {0, 2} and {10, 14}
        final Tensor result = LatentFilters.adain(Tensor.ofFloats(SHAPE, new float[] {0, 2, 5, 3}),
                Tensor.ofFloats(SHAPE, new float[] {10, 14, 1, 2}), 0.5);
        assertArrayEquals(new float[] {5, 8, 3.5f, 2}, result.toFloatArray(), 1e-6f);
    }

    @Test
    void toneMap() {
        // ratio 1: k = 0.75; |x| = 1 -> sigmoid(0) = 0.5 -> scale 1 - 0.8*0.75*0.5 = 0.7
        // x = -3: sigmoid(3*2) -> scale 1 - 0.6*sigmoid(6)
        final double sigmoidSix = 1.0 / (1.0 + Math.exp(-6.0));
        final Tensor result = LatentFilters.toneMap(Tensor.ofFloats(new long[] {3}, new float[] {1, -3, 0}), 1.0);
        assertArrayEquals(new float[] {0.7f, (float) (-3 * (1 - 0.6 * sigmoidSix)), 0}, result.toFloatArray(), 1e-6f);
    }

    @Test
    void toneMapZeroIsIdentity() {
        final float[] values = {0.3f, -7.25f, 12.5f};
        assertArrayEquals(values, LatentFilters.toneMap(Tensor.ofFloats(new long[] {3}, values), 0.0).toFloatArray());
    }

    @Test
    void toneMapRejectsRatioOutsideUnitInterval() {
        final LtxException error = assertThrows(LtxException.class,
                () -> LatentFilters.toneMap(Tensor.ofFloats(new long[] {1}, new float[1]), 1.5));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals("tone map compression must lie in [0, 1], got 1.5", error.getMessage());
    }

    @Test
    void normalizeRoundTrip() {
        final float[] mean = {1.0f, -2.0f};
        final float[] std = {2.0f, 0.5f};
        final Tensor raw = Tensor.ofFloats(SHAPE, new float[] {3, 5, -2, -1});
        final Tensor normalized = LatentNormalization.normalize(raw, mean, std);
        assertArrayEquals(new float[] {1, 2, 0, 2}, normalized.toFloatArray());
        assertArrayEquals(raw.toFloatArray(), LatentNormalization.denormalize(normalized, mean, std).toFloatArray());
    }
}
