package org.nifiltx.core.pipeline;

import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.schedule.RectifiedFlowConfig;

/**
 * The sampling settings of one denoising pass (official {@code first_pass} / {@code second_pass}, or the top level of a
 * single-pass config).
 *
 * @param steps            scheduler steps when {@code timesteps} is null
 * @param timesteps        explicit flow times, used as given; null to compute {@code steps} with the scheduler
 * @param sampler          the scheduler's base schedule without resolution shift (official {@code sampler: uniform |
 *                         linear-quadratic}), or null for the checkpoint's scheduler ({@code from_checkpoint})
 * @param guidance         guidance per step
 * @param skipInitialSteps computed schedule entries dropped at the start (rf.py slicing; needs input latents)
 * @param skipFinalSteps   computed schedule entries dropped at the end
 * @param cfgStar          CFG-zero* rescale of the unconditional prediction ({@code cfg_star_rescale})
 * @param stochastic       stochastic sampling: each step re-noises the predicted clean latents to the next flow time
 * @param toneMap          tone map compression ratio in [0, 1] applied before decoding this pass's output (0: none)
 */
public record PassSettings(int steps, List<Double> timesteps, RectifiedFlowConfig.Sampler sampler, GuidanceSchedule guidance,
        int skipInitialSteps, int skipFinalSteps, boolean cfgStar, boolean stochastic, double toneMap) {

    public PassSettings {
        timesteps = timesteps == null ? null : List.copyOf(timesteps);
        if (guidance == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "a pass needs a guidance schedule");
        }
    }

    /** A pass over an explicit list with constant guidance and none of the optional features. */
    public static PassSettings of(final int steps, final List<Double> timesteps, final GuidanceSchedule guidance) {
        return new PassSettings(steps, timesteps, null, guidance, 0, 0, false, false, 0.0);
    }

    public PassSettings withGuidance(final GuidanceSchedule value) {
        return new PassSettings(steps, timesteps, sampler, value, skipInitialSteps, skipFinalSteps, cfgStar, stochastic, toneMap);
    }

    public PassSettings withToneMap(final double value) {
        return new PassSettings(steps, timesteps, sampler, guidance, skipInitialSteps, skipFinalSteps, cfgStar, stochastic, value);
    }

    /**
     * Checks the values; {@code pass} prefixes the messages. {@code startsFromLatents} says whether the pass starts from
     * input latents (the multi-scale second pass), which skipping initial steps needs: a pass from pure noise must
     * start at its first flow time.
     */
    public void validate(final String pass, final boolean startsFromLatents) {
        if (timesteps == null && steps < 1) {
            throw invalid(pass + "steps must be at least 1, got " + steps);
        }
        if (timesteps != null) {
            if (timesteps.isEmpty()) {
                throw invalid(pass + "timesteps must list at least one flow time");
            }
            for (final Double value : timesteps) {
                if (value == null || !(value > 0 && value <= 1)) {
                    throw invalid(pass + "timesteps must be flow times in (0, 1], got " + value);
                }
            }
        }
        if (skipInitialSteps < 0 || skipFinalSteps < 0) {
            throw invalid(pass + "skip-initial-steps and skip-final-steps must be >= 0, got " + skipInitialSteps + " and "
                    + skipFinalSteps);
        }
        if (timesteps != null && skipInitialSteps + skipFinalSteps > 0) {
            throw invalid(pass + "skip-initial-steps and skip-final-steps slice a computed schedule; "
                    + "they cannot be combined with explicit timesteps");
        }
        if (timesteps == null && skipInitialSteps + skipFinalSteps >= steps) {
            throw invalid(pass + "skip-initial-steps + skip-final-steps must be less than steps (" + steps + "), got "
                    + skipInitialSteps + " + " + skipFinalSteps);
        }
        if (skipInitialSteps > 0 && !startsFromLatents) {
            throw invalid(pass + "skip-initial-steps needs input latents (the multi-scale second pass); "
                    + "this pass starts from pure noise");
        }
        if (!(toneMap >= 0 && toneMap <= 1)) {
            throw invalid(pass + "tone-map must lie in [0, 1], got " + toneMap);
        }
        guidance.validate(pass);
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
