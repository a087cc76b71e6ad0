package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FrameRateTest {
    @Test
    void doublesSnapToExactFractions() {
        assertEquals(new FrameRate(25, 1), FrameRate.of(25.0));
        assertEquals(new FrameRate(24000, 1001), FrameRate.of(24000.0 / 1001.0));
        assertEquals(new FrameRate(24000, 1001), FrameRate.of(23.976));
        assertEquals(new FrameRate(30000, 1001), FrameRate.of(29.97));
        assertEquals(new FrameRate(25, 2), FrameRate.of(12.5));
        assertEquals(new FrameRate(60, 1), new FrameRate(120, 2));
        assertEquals("30000/1001", new FrameRate(30000, 1001).toString());
    }
}
