package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.schedule.RectifiedFlowConfig;
import org.nifiltx.core.schedule.RectifiedFlowScheduler;

/** The interval lookup of per-step guidance at and around its boundaries, and the checks of its lists. */
class GuidanceScheduleTest {
    /** The 13B 0.9.8 dev config's first pass (configs/ltxv-13b-0.9.8-dev.yaml). */
    private static final GuidanceSchedule DEV = new GuidanceSchedule(List.of(1.0, 0.996, 0.9933, 0.9850, 0.9767, 0.9008, 0.6180),
            List.of(1.0, 1.0, 6.0, 8.0, 6.0, 1.0, 1.0), List.of(0.0, 0.0, 4.0, 4.0, 4.0, 2.0, 1.0),
            List.of(1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0),
            List.of(List.of(), List.of(11, 25, 35, 39), List.of(22, 35, 39), List.of(28), List.of(28), List.of(28), List.of(28)));

    @Test
    void aStepUsesTheFirstIntervalStartingAtOrBelowItsTime() {
        assertEquals(0, DEV.indexAt(1.0f));
        assertEquals(1, DEV.indexAt(0.998f));
        assertEquals(1, DEV.indexAt(0.996f), "a start equal to t counts");
        assertEquals(2, DEV.indexAt(Math.nextDown(0.996f)));
        assertEquals(5, DEV.indexAt(0.9008f));
        assertEquals(6, DEV.indexAt(Math.nextDown(0.9008f)));
        assertEquals(6, DEV.indexAt(0.618f));
    }

    @Test
    void timesAboveEveryStartUseTheFirstAndBelowEveryStartTheLast() {
        final GuidanceSchedule schedule = new GuidanceSchedule(List.of(0.9, 0.5), List.of(2.0, 3.0), List.of(0.0), List.of(0.7),
                List.of(List.of(1)));
        assertEquals(0, schedule.indexAt(1.0f));
        assertEquals(0, schedule.indexAt(0.9f));
        assertEquals(1, schedule.indexAt(0.7f));
        assertEquals(1, schedule.indexAt(0.3f), "below every start: the last interval");
        assertEquals(new GuidanceSchedule.Step(3.0, 0.0, 0.7, List.of(1)), schedule.at(0.3f));
        assertEquals(new GuidanceSchedule.Step(2.0, 0.0, 0.7, List.of(1)), schedule.at(0.95f));
    }

    @Test
    void theDevConfigsThirtyStepScheduleMapsOntoItsIntervals() {
        final float[] computed = new RectifiedFlowScheduler(new RectifiedFlowConfig(1000, RectifiedFlowConfig.Shifting.NONE, 1024, null,
                RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC, Double.NaN)).timesteps(30, 1);
        final float[] sliced = Schedules.slice(computed, new PassSettings(30, null, null, DEV, 0, 3, true, false, 0.0));
        final List<Integer> mapping = new ArrayList<>();
        for (final float t : sliced) {
            mapping.add(DEV.indexAt(t));
        }
        // float32 times: 0.97666669 lies below 0.9767 and 0.90077776 below 0.9008, so those steps already use the next interval
        assertEquals(List.of(0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6), mapping);
        assertEquals(new GuidanceSchedule.Step(8.0, 4.0, 0.5, List.of(28)), DEV.at(sliced[5]));
        assertEquals(new GuidanceSchedule.Step(1.0, 0.0, 1.0, List.of()), DEV.at(sliced[0]));
    }

    @Test
    void oneConstantIntervalIsTheScalarBehaviour() {
        final GuidanceSchedule constant = GuidanceSchedule.constant(3.0, 1.0, 0.7, List.of(19));
        assertEquals(1, constant.intervals());
        assertEquals(new GuidanceSchedule.Step(3.0, 1.0, 0.7, List.of(19)), constant.at(0.01f));
        assertEquals(new GuidanceSchedule.Step(3.0, 1.0, 0.7, List.of(19)), constant.at(1.0f));
    }

    @Test
    void listsMustHaveOneValueOrOnePerGuidanceTimestep() {
        assertInvalid("guidance-scale has 2 values; give 1 or one per guidance timestep (7)", new GuidanceSchedule(
                DEV.guidanceTimesteps(), List.of(1.0, 2.0), List.of(0.0), List.of(1.0), List.of(List.of())));
        assertInvalid("stg-blocks has 3 values; give 1 or one per guidance timestep (7)", new GuidanceSchedule(
                DEV.guidanceTimesteps(), List.of(1.0), List.of(0.0), List.of(1.0), List.of(List.of(), List.of(), List.of())));
        assertInvalid("stg-scale must be a finite number >= 0, got -1.0", GuidanceSchedule.constant(1.0, -1.0, 1.0, List.of()));
        assertInvalid("guidance-timesteps must be flow times in [0, 1], got 1.5", new GuidanceSchedule(List.of(1.5), List.of(1.0),
                List.of(0.0), List.of(1.0), List.of(List.of())));
        assertInvalid("stg-blocks must be block indices >= 0, got -2", GuidanceSchedule.constant(1.0, 1.0, 1.0, List.of(-2)));
    }

    private static void assertInvalid(final String message, final GuidanceSchedule schedule) {
        final LtxException error = assertThrows(LtxException.class, () -> schedule.validate(""));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals(message, error.getMessage());
    }
}
