package org.nifiltx.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** float32 to float8 e4m3fn: exact on every code, ties to even, saturating at ±448. */
class FloatFormatsTest {
    @Test
    void everyFiniteCodeRoundTrips() {
        for (int b = 0; b < 256; b++) {
            if ((b & 0x7F) == 0x7F) {
                continue; // NaN
            }
            assertEquals((byte) b, FloatFormats.floatToF8e4m3(FloatFormats.f8e4m3ToFloat((byte) b)), "code " + b);
        }
    }

    @Test
    void roundsToNearestTiesToEvenAndSaturates() {
        assertEquals(0x38, FloatFormats.floatToF8e4m3(1.0624f)); // nearer 1.0 than 1.125
        assertEquals(0x39, FloatFormats.floatToF8e4m3(1.0626f));
        assertEquals(0x38, FloatFormats.floatToF8e4m3(1.0625f)); // tie: 1.0 (0x38, even) over 1.125 (0x39)
        assertEquals(0x3A, FloatFormats.floatToF8e4m3(1.1875f)); // tie: 1.25 (0x3A, even) over 1.125
        assertEquals(0x7E, FloatFormats.floatToF8e4m3(1e6f));
        assertEquals((byte) 0xFE, FloatFormats.floatToF8e4m3(-449f));
        assertEquals(0x7E, FloatFormats.floatToF8e4m3(Float.POSITIVE_INFINITY));
        assertEquals(0x7F, FloatFormats.floatToF8e4m3(Float.NaN));
        assertEquals(0x00, FloatFormats.floatToF8e4m3(0x1p-10f)); // half the smallest subnormal: tie to 0
        assertEquals(0x01, FloatFormats.floatToF8e4m3(0x1.1p-10f));
        assertEquals((byte) 0x80, FloatFormats.floatToF8e4m3(-0f));
        assertEquals(448f, FloatFormats.F8E4M3_MAX);
    }
}
