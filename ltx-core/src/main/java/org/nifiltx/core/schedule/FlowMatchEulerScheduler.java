package org.nifiltx.core.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} as the LTX pipelines use it: schedule construction
 * ({@code set_timesteps} with custom sigmas or timesteps, dynamic or static shifting, terminal stretch) and the Euler
 * step. All array arithmetic is float32 in the reference's operation order (diffusers works on numpy float32 after
 * {@code astype(np.float32)}); Python scalars are doubles rounded to float32 where they meet the arrays. The
 * Karras/exponential/beta sigma conversions are not used by any LTX config and are rejected.
 */
public final class FlowMatchEulerScheduler {
    /** The scheduler_config.json of the LTX-Video 0.9.0/0.9.1 diffusers repositories. */
    public static final FlowMatchEulerConfig LTX_VIDEO_CONFIG = new FlowMatchEulerConfig(1000, 1.0, true, 0.95, 2.05, 1024,
            4096, false, 0.1, FlowMatchEulerConfig.TimeShiftType.EXPONENTIAL, false);

    private final FlowMatchEulerConfig config;

    public FlowMatchEulerScheduler(final FlowMatchEulerConfig config) {
        this.config = config;
    }

    /** From a diffusers {@code scheduler_config.json}; absent or null keys take the diffusers defaults. */
    public FlowMatchEulerScheduler(final JsonNode schedulerConfig) {
        this(FlowMatchEulerConfig.fromJson(schedulerConfig));
    }

    public FlowMatchEulerConfig config() {
        return config;
    }

    /**
     * The schedule {@code LTXPipeline} builds: sigmas {@code np.linspace(1, 1/N, N)}, mu from
     * {@code calculate_shift(videoSeqLen, base_image_seq_len, max_image_seq_len, base_shift, max_shift)}.
     */
    public Schedule schedule(final int numSteps, final long videoSeqLen) {
        ScheduleMath.requireSteps(numSteps);
        final double[] linear = ScheduleMath.numpyLinspace(1.0, 1.0 / numSteps, numSteps);
        final float[] sigmas = new float[numSteps];
        for (int i = 0; i < numSteps; i++) {
            sigmas[i] = (float) linear[i];
        }
        return fromSigmas(sigmas, mu(videoSeqLen));
    }

    /** mu for a video of {@code videoSeqLen} latent tokens, as {@code LTXPipeline} computes it. */
    public double mu(final long videoSeqLen) {
        return ScheduleMath.calculateShift(videoSeqLen, config.baseImageSeqLen(), config.maxImageSeqLen(),
                config.baseShift(), config.maxShift());
    }

    /** {@code set_timesteps(sigmas=...)} with a resolution shift mu (ignored unless dynamic shifting is on). */
    public Schedule scheduleFromSigmas(final List<? extends Number> sigmas, final double mu) {
        return fromSigmas(ScheduleMath.explicitValues(sigmas, "sigmas", 1.0), mu);
    }

    /** {@code set_timesteps(sigmas=...)} for a config without dynamic shifting. */
    public Schedule scheduleFromSigmas(final List<? extends Number> sigmas) {
        requireStaticShift();
        return scheduleFromSigmas(sigmas, 0.0);
    }

    /**
     * {@code set_timesteps(timesteps=...)}: values on the 0..num_train_timesteps scale (as LTXConditionPipeline passes
     * them), converted to float32 and divided by num_train_timesteps before shifting.
     */
    public Schedule scheduleFromTimesteps(final List<? extends Number> timesteps, final double mu) {
        final float[] values = ScheduleMath.explicitValues(timesteps, "timesteps", config.numTrainTimesteps());
        final float trainTimesteps = config.numTrainTimesteps();
        final float[] sigmas = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            sigmas[i] = values[i] / trainTimesteps;
        }
        return fromSigmas(sigmas, mu);
    }

    /** {@code set_timesteps(timesteps=...)} for a config without dynamic shifting. */
    public Schedule scheduleFromTimesteps(final List<? extends Number> timesteps) {
        requireStaticShift();
        return scheduleFromTimesteps(timesteps, 0.0);
    }

    /**
     * LTXConditionPipeline's default when no timesteps are given: {@code linear_quadratic_schedule(N) * 1000} as a
     * float32 tensor, then passed back through {@code set_timesteps(timesteps=...)}.
     */
    public Schedule conditionPipelineSchedule(final int numSteps) {
        ScheduleMath.requireSteps(numSteps);
        requireStaticShift();
        final float[] linearQuadratic = ScheduleMath.linearQuadraticSchedule(numSteps);
        final float trainTimesteps = config.numTrainTimesteps();
        final float[] sigmas = new float[numSteps];
        for (int i = 0; i < numSteps; i++) {
            sigmas[i] = linearQuadratic[i] * 1000.0f / trainTimesteps;
        }
        return fromSigmas(sigmas, 0.0);
    }

    private void requireStaticShift() {
        if (config.useDynamicShifting()) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "this scheduler uses dynamic shifting, so a schedule needs mu (or the video sequence length)");
        }
    }

    private Schedule fromSigmas(final float[] baseSigmas, final double mu) {
        float[] sigmas;
        if (config.useDynamicShifting()) {
            sigmas = config.timeShiftType() == FlowMatchEulerConfig.TimeShiftType.EXPONENTIAL
                    ? ScheduleMath.exponentialTimeShiftNumpy(mu, baseSigmas)
                    : ScheduleMath.linearTimeShiftNumpy(mu, baseSigmas);
        } else {
            sigmas = staticShift(baseSigmas);
        }
        if (config.shiftTerminal() != null && config.shiftTerminal() != 0.0) {
            sigmas = ScheduleMath.stretchToTerminal(sigmas, config.shiftTerminal());
        }
        final int numSteps = sigmas.length;
        final float trainTimesteps = config.numTrainTimesteps();
        final float[] timesteps = new float[numSteps];
        final float[] withTerminal = new float[numSteps + 1];
        for (int i = 0; i < numSteps; i++) {
            final float sigma = config.invertSigmas() ? 1.0f - sigmas[i] : sigmas[i];
            withTerminal[i] = sigma;
            timesteps[i] = sigma * trainTimesteps;
        }
        withTerminal[numSteps] = config.invertSigmas() ? 1.0f : 0.0f;
        return new Schedule(withTerminal, timesteps);
    }

    /** {@code shift * s / (1 + (shift - 1) * s)} in float32, the (shift - 1) difference taken in double first. */
    private float[] staticShift(final float[] sigmas) {
        final float shift = (float) config.shift();
        final float shiftMinusOne = (float) (config.shift() - 1.0);
        final float[] shifted = new float[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            shifted[i] = shift * sigmas[i] / (1.0f + shiftMinusOne * sigmas[i]);
        }
        return shifted;
    }

    /**
     * One Euler step {@code sample + (sigmaNext - sigma) * modelOutput} in float32 (diffusers upcasts the sample to
     * float32 and the sigmas are float32 tensor elements).
     */
    public static float[] step(final float[] sample, final float[] modelOutput, final float sigma, final float sigmaNext) {
        requireSameLength(sample, modelOutput);
        final float dt = sigmaNext - sigma;
        final float[] previous = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            previous[i] = sample[i] + dt * modelOutput[i];
        }
        return previous;
    }

    /** {@link #step} at {@code stepIndex} of a schedule. */
    public static float[] step(final Schedule schedule, final int stepIndex, final float[] sample, final float[] modelOutput) {
        return step(sample, modelOutput, schedule.sigma(stepIndex), schedule.sigma(stepIndex + 1));
    }

    /**
     * The stochastic variant ({@code stochastic_sampling}): {@code x0 = sample - sigma*v},
     * {@code (1 - sigmaNext)*x0 + sigmaNext*noise}, with the caller's standard-normal noise.
     */
    public static float[] stepStochastic(final float[] sample, final float[] modelOutput, final float sigma,
            final float sigmaNext, final float[] noise) {
        requireSameLength(sample, modelOutput);
        requireSameLength(sample, noise);
        final float[] previous = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            final float denoised = sample[i] - sigma * modelOutput[i];
            previous[i] = (1.0f - sigmaNext) * denoised + sigmaNext * noise[i];
        }
        return previous;
    }

    /**
     * The per-token step ({@code per_token_timesteps}, used by LTXConditionPipeline with the negated velocity):
     * each token's sigma is its timestep / num_train_timesteps, its next sigma the largest schedule sigma strictly
     * below {@code sigma - 1e-6} (0 if none), then {@code sample + (sigma - next) * modelOutput}.
     *
     * @param perTokenTimesteps [batch * tokens] on the 0..num_train_timesteps scale
     * @param sample [batch, tokens, channels] flattened
     */
    public float[] stepPerToken(final Schedule schedule, final float[] sample, final float[] modelOutput,
            final float[] perTokenTimesteps) {
        requireSameLength(sample, modelOutput);
        if (perTokenTimesteps.length == 0 || sample.length % perTokenTimesteps.length != 0) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "per-token timesteps of length " + perTokenTimesteps.length
                    + " do not divide a sample of " + sample.length + " values");
        }
        final int channels = sample.length / perTokenTimesteps.length;
        final float[] sigmas = schedule.sigmas();
        final float trainTimesteps = config.numTrainTimesteps();
        final float epsilon = 1e-6f;
        final float[] previous = new float[sample.length];
        for (int token = 0; token < perTokenTimesteps.length; token++) {
            final float tokenSigma = perTokenTimesteps[token] / trainTimesteps;
            final float threshold = tokenSigma - epsilon;
            float lower = 0.0f;
            for (final float candidate : sigmas) {
                // torch multiplies the mask by the sigmas and takes the max, so unmatched entries count as 0
                final float masked = candidate < threshold ? candidate : 0.0f;
                lower = Math.max(lower, masked);
            }
            final float dt = tokenSigma - lower;
            final int base = token * channels;
            for (int c = 0; c < channels; c++) {
                previous[base + c] = sample[base + c] + dt * modelOutput[base + c];
            }
        }
        return previous;
    }

    static void requireSameLength(final float[] expected, final float[] actual) {
        if (expected.length != actual.length) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "tensors must have the same number of values, got " + expected.length + " and " + actual.length);
        }
    }
}
