package org.nifiltx.core.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The subset of diffusers' {@code FlowMatchEulerDiscreteScheduler} config that LTX uses.
 *
 * @param shiftTerminal null when the schedule is not stretched
 */
public record FlowMatchEulerConfig(int numTrainTimesteps, double shift, boolean useDynamicShifting, double baseShift,
        double maxShift, long baseImageSeqLen, long maxImageSeqLen, boolean invertSigmas, Double shiftTerminal,
        TimeShiftType timeShiftType, boolean stochasticSampling) {

    /** diffusers' {@code time_shift_type}. */
    public enum TimeShiftType {
        EXPONENTIAL,
        LINEAR
    }

    public FlowMatchEulerConfig {
        if (numTrainTimesteps < 1) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "num_train_timesteps must be at least 1, got " + numTrainTimesteps);
        }
        if (shiftTerminal != null && shiftTerminal != 0.0 && !(shiftTerminal > 0.0 && shiftTerminal < 1.0)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "shift_terminal must lie in (0, 1), got " + shiftTerminal);
        }
    }

    /** Read a {@code scheduler_config.json}; absent or null keys take the diffusers constructor defaults. */
    public static FlowMatchEulerConfig fromJson(final JsonNode json) {
        for (final String unsupported : new String[] {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"}) {
            if (bool(json, unsupported, false)) {
                throw new LtxException(LtxErrorCode.UNSUPPORTED, "scheduler config sets " + unsupported
                        + ", which no LTX-Video pipeline uses and this build does not implement");
            }
        }
        final String shiftType = json.hasNonNull("time_shift_type") ? json.get("time_shift_type").asText() : "exponential";
        final TimeShiftType timeShiftType = switch (shiftType) {
            case "exponential" -> TimeShiftType.EXPONENTIAL;
            case "linear" -> TimeShiftType.LINEAR;
            default -> throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "time_shift_type must be 'exponential' or 'linear', got '" + shiftType + "'");
        };
        return new FlowMatchEulerConfig(
                json.hasNonNull("num_train_timesteps") ? json.get("num_train_timesteps").intValue() : 1000,
                number(json, "shift", 1.0),
                bool(json, "use_dynamic_shifting", false),
                number(json, "base_shift", 0.5),
                number(json, "max_shift", 1.15),
                json.hasNonNull("base_image_seq_len") ? json.get("base_image_seq_len").longValue() : 256,
                json.hasNonNull("max_image_seq_len") ? json.get("max_image_seq_len").longValue() : 4096,
                bool(json, "invert_sigmas", false),
                json.hasNonNull("shift_terminal") ? json.get("shift_terminal").doubleValue() : null,
                timeShiftType,
                bool(json, "stochastic_sampling", false));
    }

    private static double number(final JsonNode json, final String key, final double fallback) {
        return json.hasNonNull(key) ? json.get(key).doubleValue() : fallback;
    }

    private static boolean bool(final JsonNode json, final String key, final boolean fallback) {
        return json.hasNonNull(key) ? json.get(key).booleanValue() : fallback;
    }
}
