package org.nifiltx.core.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The original {@code RectifiedFlowScheduler} config (checkpoint metadata {@code scheduler} section).
 *
 * @param targetShiftTerminal null when the SD3 shift is not stretched
 * @param shift the constant sampler's mu; only used by {@link Sampler#CONSTANT}
 */
public record RectifiedFlowConfig(int numTrainTimesteps, Shifting shifting, long baseResolution, Double targetShiftTerminal,
        Sampler sampler, double shift) {

    /** rf.py constructor defaults. */
    public static final RectifiedFlowConfig DEFAULT = new RectifiedFlowConfig(1000, Shifting.NONE, 32 * 32, null,
            Sampler.UNIFORM, Double.NaN);

    /** The base schedule before any resolution shift. */
    public enum Sampler {
        /** {@code linspace(1, 1/N, N)}. */
        UNIFORM,
        /** Linear to noise 0.025 over the first half, quadratic after. */
        LINEAR_QUADRATIC,
        /** The uniform schedule time-shifted by the fixed {@code shift}. */
        CONSTANT
    }

    /** The resolution-dependent shift applied after the sampler. */
    public enum Shifting {
        NONE,
        SD3,
        SIMPLE_DIFFUSION
    }

    public RectifiedFlowConfig {
        if (numTrainTimesteps < 1) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "num_train_timesteps must be at least 1, got " + numTrainTimesteps);
        }
        if (targetShiftTerminal != null && !(targetShiftTerminal > 0.0 && targetShiftTerminal < 1.0)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "target_shift_terminal must lie in (0, 1), got " + targetShiftTerminal);
        }
        if (sampler == Sampler.CONSTANT && Double.isNaN(shift)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "the Constant sampler needs a shift value");
        }
    }

    /**
     * Read keys {@code num_train_timesteps, shifting, base_resolution, target_shift_terminal, sampler, shift};
     * absent or null keys take the rf.py defaults (a null sampler is read as Uniform).
     */
    public static RectifiedFlowConfig fromJson(final JsonNode json) {
        final String shiftingName = json.hasNonNull("shifting") ? json.get("shifting").asText() : null;
        final Shifting shifting;
        if (shiftingName == null) {
            shifting = Shifting.NONE;
        } else {
            shifting = switch (shiftingName) {
                case "SD3" -> Shifting.SD3;
                case "SimpleDiffusion" -> Shifting.SIMPLE_DIFFUSION;
                default -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                        "scheduler shifting '" + shiftingName + "' is not one of SD3, SimpleDiffusion");
            };
        }
        final String samplerName = json.hasNonNull("sampler") ? json.get("sampler").asText() : "Uniform";
        final Sampler sampler = switch (samplerName) {
            case "Uniform" -> Sampler.UNIFORM;
            case "LinearQuadratic" -> Sampler.LINEAR_QUADRATIC;
            case "Constant" -> Sampler.CONSTANT;
            default -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                    "scheduler sampler '" + samplerName + "' is not one of Uniform, LinearQuadratic, Constant");
        };
        return new RectifiedFlowConfig(
                json.hasNonNull("num_train_timesteps") ? json.get("num_train_timesteps").intValue() : 1000,
                shifting,
                json.hasNonNull("base_resolution") ? json.get("base_resolution").longValue() : 32 * 32,
                json.hasNonNull("target_shift_terminal") ? json.get("target_shift_terminal").doubleValue() : null,
                sampler,
                json.hasNonNull("shift") ? json.get("shift").doubleValue() : Double.NaN);
    }
}
