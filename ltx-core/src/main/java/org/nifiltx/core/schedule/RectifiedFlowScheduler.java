package org.nifiltx.core.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The original LTX-Video {@code RectifiedFlowScheduler} (rf.py). Timesteps are flow times in [0, 1] (1 = noise);
 * there is no separate sigma list, and a step moves each token to the next lower schedule value (the schedule padded
 * with 0). Precision follows torch: the sampler list is float32 (LinearQuadratic is evaluated in double and rounded,
 * as {@code torch.tensor(list)} does), the shifts and steps are float32 tensor arithmetic with torch's operation order
 * (scalar-over-tensor divisions are a float32 reciprocal followed by a multiply), Python scalars are rounded to
 * float32 where they meet a tensor.
 */
public final class RectifiedFlowScheduler {
    /** Below this a token's timestep counts as already past a schedule value (rf.py's {@code t_eps}). */
    private static final float TIMESTEP_EPSILON = 1e-6f;

    private final RectifiedFlowConfig config;

    public RectifiedFlowScheduler(final RectifiedFlowConfig config) {
        this.config = config;
    }

    /** From the checkpoint's {@code scheduler} config section. */
    public RectifiedFlowScheduler(final JsonNode schedulerConfig) {
        this(RectifiedFlowConfig.fromJson(schedulerConfig));
    }

    /** The default constructor's scheduler: Uniform sampler, no shifting. */
    public RectifiedFlowScheduler() {
        this(RectifiedFlowConfig.DEFAULT);
    }

    public RectifiedFlowConfig config() {
        return config;
    }

    /**
     * {@code set_timesteps(num_inference_steps, samples_shape)}: the sampler's list for
     * {@code min(num_train_timesteps, numSteps)} steps, shifted for {@code numTokens} latent tokens (F*H*W).
     */
    public float[] timesteps(final int numSteps, final long numTokens) {
        ScheduleMath.requireSteps(numSteps);
        final int steps = Math.min(config.numTrainTimesteps(), numSteps);
        final float[] initial = initialTimesteps(steps);
        return switch (config.shifting()) {
            case NONE -> initial;
            case SD3 -> sd3Shift(initial, numTokens);
            case SIMPLE_DIFFUSION -> simpleDiffusionShift(initial, numTokens);
        };
    }

    /** {@code set_timesteps(timesteps=...)}: an explicit list, used as given (no shifting), rounded to float32. */
    public float[] timesteps(final List<? extends Number> explicit) {
        return ScheduleMath.explicitValues(explicit, "timesteps", 1.0);
    }

    private float[] initialTimesteps(final int steps) {
        return switch (config.sampler()) {
            case UNIFORM -> ScheduleMath.torchLinspace(1.0f, (float) (1.0 / steps), steps);
            case LINEAR_QUADRATIC -> ScheduleMath.linearQuadraticSchedule(steps);
            case CONSTANT -> ScheduleMath.exponentialTimeShiftTorch(config.shift(),
                    ScheduleMath.torchLinspace(1.0f, (float) (1.0 / steps), steps));
        };
    }

    private float[] sd3Shift(final float[] timesteps, final long numTokens) {
        final double mu = ScheduleMath.calculateShift(numTokens, 1024, 4096, 0.95, 2.05);
        final float[] shifted = ScheduleMath.exponentialTimeShiftTorch(mu, timesteps);
        return config.targetShiftTerminal() == null ? shifted
                : ScheduleMath.stretchToTerminal(shifted, config.targetShiftTerminal());
    }

    /**
     * {@code sigmoid(0.5 * (log(snr) + 2 log(m/n)))} with {@code snr = (t/(1-t))^2}. float32 like torch; log and
     * exp go through double and are rounded once, which can differ from torch's SIMD kernels by an ulp.
     */
    private float[] simpleDiffusionShift(final float[] timesteps, final long numTokens) {
        final float logRatio = (float) (2.0 * Math.log((double) numTokens / config.baseResolution()));
        final float[] shifted = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            final float ratio = timesteps[i] / (1.0f - timesteps[i]);
            final float snr = ratio * ratio;
            final float shiftSnr = (float) Math.log(snr) + logRatio;
            final float half = 0.5f * shiftSnr;
            shifted[i] = 1.0f / (1.0f + (float) Math.exp(-half));
        }
        return shifted;
    }

    /**
     * rf.py {@code step} with a global (0-dim) timestep: the next timestep is the first value of the 0-padded
     * schedule below {@code timestep - 1e-6}; {@code sample - (timestep - next) * modelOutput}.
     */
    public static float[] step(final float[] schedule, final float[] sample, final float[] modelOutput, final float timestep) {
        FlowMatchEulerScheduler.requireSameLength(sample, modelOutput);
        final float dt = timestep - nextLowerGlobal(schedule, timestep);
        final float[] previous = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            previous[i] = sample[i] - dt * modelOutput[i];
        }
        return previous;
    }

    /**
     * rf.py {@code step} with per-token timesteps [B, N]: each token steps to the largest 0-padded schedule value
     * below its own {@code t - 1e-6}, so tokens with t = 0 keep dt = 0.
     *
     * @param perTokenTimesteps [batch * tokens]
     * @param sample [batch, tokens, channels] flattened
     */
    public static float[] stepPerToken(final float[] schedule, final float[] sample, final float[] modelOutput,
            final float[] perTokenTimesteps) {
        final int channels = channelsPerToken(sample, modelOutput, perTokenTimesteps);
        final float[] previous = new float[sample.length];
        for (int token = 0; token < perTokenTimesteps.length; token++) {
            final float dt = perTokenTimesteps[token] - nextLowerPerToken(schedule, perTokenTimesteps[token]);
            final int base = token * channels;
            for (int c = 0; c < channels; c++) {
                previous[base + c] = sample[base + c] - dt * modelOutput[base + c];
            }
        }
        return previous;
    }

    /**
     * The stochastic global step ({@code stochastic_sampling}): {@code x0 = sample - t*v}, then
     * {@code add_noise(x0, noise, t - dt) = (1 - s)*x0 + s*noise} with the caller's standard-normal noise.
     */
    public static float[] stepStochastic(final float[] schedule, final float[] sample, final float[] modelOutput,
            final float timestep, final float[] noise) {
        FlowMatchEulerScheduler.requireSameLength(sample, modelOutput);
        FlowMatchEulerScheduler.requireSameLength(sample, noise);
        final float dt = timestep - nextLowerGlobal(schedule, timestep);
        final float next = timestep - dt;
        final float alpha = 1.0f - next;
        final float[] previous = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            final float denoised = sample[i] - timestep * modelOutput[i];
            previous[i] = alpha * denoised + next * noise[i];
        }
        return previous;
    }

    /** The stochastic step with per-token timesteps. */
    public static float[] stepStochasticPerToken(final float[] schedule, final float[] sample, final float[] modelOutput,
            final float[] perTokenTimesteps, final float[] noise) {
        final int channels = channelsPerToken(sample, modelOutput, perTokenTimesteps);
        FlowMatchEulerScheduler.requireSameLength(sample, noise);
        final float[] previous = new float[sample.length];
        for (int token = 0; token < perTokenTimesteps.length; token++) {
            final float timestep = perTokenTimesteps[token];
            final float dt = timestep - nextLowerPerToken(schedule, timestep);
            final float next = timestep - dt;
            final float alpha = 1.0f - next;
            final int base = token * channels;
            for (int c = 0; c < channels; c++) {
                final float denoised = sample[base + c] - timestep * modelOutput[base + c];
                previous[base + c] = alpha * denoised + next * noise[base + c];
            }
        }
        return previous;
    }

    /** The first value of the 0-padded schedule strictly below {@code timestep - 1e-6} (list order, as rf.py). */
    public static float nextLowerGlobal(final float[] schedule, final float timestep) {
        final float threshold = timestep - TIMESTEP_EPSILON;
        for (final float candidate : schedule) {
            if (candidate < threshold) {
                return candidate;
            }
        }
        if (0.0f < threshold) {
            return 0.0f;
        }
        throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                "timestep " + timestep + " has no lower schedule value to step to");
    }

    /** The largest value of the 0-padded schedule strictly below {@code timestep - 1e-6}, 0 if none. */
    public static float nextLowerPerToken(final float[] schedule, final float timestep) {
        final float threshold = timestep - TIMESTEP_EPSILON;
        float lower = 0.0f;
        for (final float candidate : schedule) {
            // torch multiplies the boolean mask by the schedule and takes the max: unmatched entries count as 0
            lower = Math.max(lower, candidate < threshold ? candidate : 0.0f);
        }
        return lower;
    }

    private static int channelsPerToken(final float[] sample, final float[] modelOutput, final float[] perTokenTimesteps) {
        FlowMatchEulerScheduler.requireSameLength(sample, modelOutput);
        if (perTokenTimesteps.length == 0 || sample.length % perTokenTimesteps.length != 0) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "per-token timesteps of length " + perTokenTimesteps.length
                    + " do not divide a sample of " + sample.length + " values");
        }
        return sample.length / perTokenTimesteps.length;
    }
}
