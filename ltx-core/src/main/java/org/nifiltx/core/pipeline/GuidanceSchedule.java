package org.nifiltx.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Guidance that changes during sampling (official {@code guidance_timesteps}): interval i holds from
 * {@code guidanceTimesteps[i]} down to the next entry. The step at flow time t uses the first index i with
 * {@code guidanceTimesteps[i] <= t}, else the last (pipeline_ltx_video.py builds its {@code guidance_mapping} this way).
 * Without guidance timesteps there is one interval: every step uses index 0.
 *
 * @param guidanceTimesteps decreasing flow times where the intervals start; empty for one constant interval
 * @param guidanceScale     CFG scale per interval (one value: every interval)
 * @param stgScale          STG scale per interval (one value: every interval)
 * @param rescale           STG rescaling scale per interval (one value: every interval)
 * @param stgBlocks         transformer blocks the perturbed entry skips, per interval (one list: every interval)
 */
public record GuidanceSchedule(List<Double> guidanceTimesteps, List<Double> guidanceScale, List<Double> stgScale, List<Double> rescale,
        List<List<Integer>> stgBlocks) {

    /** What one step uses. */
    public record Step(double guidanceScale, double stgScale, double rescale, List<Integer> stgBlocks) {
        /** The official pipeline adds the unconditional entry when {@code guidance_scale > 1}. */
        public boolean classifierFree() {
            return guidanceScale > 1.0;
        }

        /** The official pipeline adds the perturbed entry when {@code stg_scale > 0}. */
        public boolean spatioTemporal() {
            return stgScale > 0.0;
        }
    }

    public GuidanceSchedule {
        guidanceTimesteps = guidanceTimesteps == null ? List.of() : List.copyOf(guidanceTimesteps);
        guidanceScale = List.copyOf(guidanceScale);
        stgScale = List.copyOf(stgScale);
        rescale = List.copyOf(rescale);
        final List<List<Integer>> blocks = new ArrayList<>();
        for (final List<Integer> interval : stgBlocks) {
            blocks.add(List.copyOf(interval));
        }
        stgBlocks = List.copyOf(blocks);
    }

    /** One interval for the whole pass: today's scalar options. */
    public static GuidanceSchedule constant(final double guidanceScale, final double stgScale, final double rescale,
            final List<Integer> stgBlocks) {
        return new GuidanceSchedule(List.of(), List.of(guidanceScale), List.of(stgScale), List.of(rescale), List.of(stgBlocks));
    }

    /** Number of intervals: the guidance timesteps, or 1 when there are none. */
    public int intervals() {
        return guidanceTimesteps.isEmpty() ? 1 : guidanceTimesteps.size();
    }

    /** The interval index for flow time t; the comparison is float32 like torch's (python float vs float32 tensor). */
    public int indexAt(final float t) {
        for (int i = 0; i < guidanceTimesteps.size(); i++) {
            if ((float) guidanceTimesteps.get(i).doubleValue() <= t) {
                return i;
            }
        }
        return intervals() - 1;
    }

    /** The settings of the step at flow time t. */
    public Step at(final float t) {
        final int index = indexAt(t);
        return new Step(pick(guidanceScale, index), pick(stgScale, index), pick(rescale, index),
                stgBlocks.get(stgBlocks.size() == 1 ? 0 : index));
    }

    /** Whether any interval uses classifier-free guidance (the negative prompt must then be encoded). */
    public boolean anyClassifierFree() {
        return guidanceScale.stream().anyMatch(value -> value > 1.0);
    }

    /** Whether any interval uses spatio-temporal guidance. */
    public boolean anySpatioTemporal() {
        return stgScale.stream().anyMatch(value -> value > 0.0);
    }

    /**
     * Checks list lengths and values; {@code pass} prefixes the messages ("" for a single-pass request, "second pass: ").
     * Every problem is an INVALID_ARGUMENT.
     */
    public void validate(final String pass) {
        final int intervals = intervals();
        for (int i = 0; i < guidanceTimesteps.size(); i++) {
            final Double value = guidanceTimesteps.get(i);
            if (value == null || !(value >= 0 && value <= 1)) {
                throw invalid(pass + "guidance-timesteps must be flow times in [0, 1], got " + value);
            }
        }
        requireLength(pass, "guidance-scale", guidanceScale.size(), intervals);
        requireLength(pass, "stg-scale", stgScale.size(), intervals);
        requireLength(pass, "rescale", rescale.size(), intervals);
        requireLength(pass, "stg-blocks", stgBlocks.size(), intervals);
        for (final Double value : guidanceScale) {
            if (value == null || !(value >= 0) || !Double.isFinite(value)) {
                throw invalid(pass + "guidance-scale must be a finite number >= 0, got " + value);
            }
        }
        for (final Double value : stgScale) {
            if (value == null || !(value >= 0) || !Double.isFinite(value)) {
                throw invalid(pass + "stg-scale must be a finite number >= 0, got " + value);
            }
        }
        for (final Double value : rescale) {
            if (value == null || !Double.isFinite(value)) {
                throw invalid(pass + "rescale must be a finite number, got " + value);
            }
        }
        for (final List<Integer> blocks : stgBlocks) {
            for (final Integer block : blocks) {
                if (block == null || block < 0) {
                    throw invalid(pass + "stg-blocks must be block indices >= 0, got " + block);
                }
            }
        }
    }

    private static void requireLength(final String pass, final String name, final int length, final int intervals) {
        if (length != 1 && length != intervals) {
            throw invalid(pass + name + " has " + length + " values; give 1 or one per guidance timestep (" + intervals + ")");
        }
    }

    private static double pick(final List<Double> values, final int index) {
        return values.get(values.size() == 1 ? 0 : index);
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
