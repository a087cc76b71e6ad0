package org.nifiltx.core.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GuidanceTest {
    @Test
    void classifierFree() {
        // 1 + 3*(2 - 1) = 4; -1 + 3*(1 - -1) = 5
        assertArrayEquals(new float[] {4.0f, 5.0f}, Guidance.classifierFree(new float[] {1.0f, -1.0f}, new float[] {2.0f, 1.0f}, 3.0));
    }

    @Test
    void guidanceRescale() {
        // sample 0: guided {0, 2} (std sqrt 2), cond {0, 1} (std sqrt 0.5): ratio 0.5
        //   phi 0.5: 0.5*(2*0.5) + 0.5*2 = 1.5
        // sample 1: guided {1, 5} (std 2 sqrt 2), cond {0, 4} (std 2 sqrt 2): ratio 1 -> unchanged
        final float[] result = Guidance.guidanceRescale(new float[] {0.0f, 2.0f, 1.0f, 5.0f},
                new float[] {0.0f, 1.0f, 0.0f, 4.0f}, 2, 0.5);
        assertArrayEquals(new float[] {0.0f, 1.5f, 1.0f, 5.0f}, result, 1e-6f);
    }

    @Test
    void spatioTemporal() {
        // 1 + 2*(3 - 2) = 3
        assertArrayEquals(new float[] {3.0f}, Guidance.spatioTemporal(new float[] {1.0f}, new float[] {3.0f}, new float[] {2.0f}, 2.0));
    }

    @Test
    void stgRescale() {
        // guided {0, 4} std 2 sqrt 2, cond {0, 2} std sqrt 2: ratio 0.5; r 0.7: 0.7*0.5 + 0.3 = 0.65
        final float[] result = Guidance.stgRescale(new float[] {0.0f, 4.0f}, new float[] {0.0f, 2.0f}, 1, 0.7);
        assertArrayEquals(new float[] {0.0f, 2.6f}, result, 1e-6f);
    }

    @Test
    void unbiasedStandardDeviation() {
        // {1, 2, 3, 4}: mean 2.5, squared deviations 5, /3 -> sqrt(5/3)
        assertEquals(Math.sqrt(5.0 / 3.0), Guidance.standardDeviation(new float[] {1, 2, 3, 4}, 0, 4), 1e-7);
    }

    @Test
    void cfgStarRescale() {
        // uncond {1, 1}, cond {2, 4}: dot 6, |u|^2 2 -> alpha 3 (the 1e-8 is below float32 resolution at 2)
        // second sample uncond {0, 0}: alpha 0 / 1e-8 = 0
        final float[] result = Guidance.cfgStarRescale(new float[] {1.0f, 1.0f, 0.0f, 0.0f},
                new float[] {2.0f, 4.0f, 5.0f, 6.0f}, 2);
        assertArrayEquals(new float[] {3.0f, 3.0f, 0.0f, 0.0f}, result);
    }

    @Test
    void originalCombination() {
        final float[] uncond = {1.0f, 1.0f};
        final float[] cond = {2.0f, 4.0f};
        final float[] perturbed = {2.0f, 2.0f};
        // CFG 2 with cfg-star: u' = 3u = {3, 3}; v = 3 + 2*(c - 3) = {1, 5}
        // STG 1: v + (c - p) = {1, 7}; rescale 1 leaves it
        assertArrayEquals(new float[] {1.0f, 7.0f}, Guidance.original(uncond, cond, perturbed, 1, 2.0, 1.0, 1.0, true));
        // guidance 1 means no CFG: v = cond, then STG 1: {2, 6}
        assertArrayEquals(new float[] {2.0f, 6.0f}, Guidance.original(null, cond, perturbed, 1, 1.0, 1.0, 1.0, false));
        // STG rescale 0.5 on {2, 6} (std 2 sqrt 2) against cond (std sqrt 2): 0.5*0.5 + 0.5 = 0.75
        assertArrayEquals(new float[] {1.5f, 4.5f}, Guidance.original(null, cond, perturbed, 1, 1.0, 1.0, 0.5, false), 1e-6f);
        // neither: the conditional prediction
        assertArrayEquals(cond, Guidance.original(null, cond, null, 1, 1.0, 0.0, 0.7, false));
    }
}
