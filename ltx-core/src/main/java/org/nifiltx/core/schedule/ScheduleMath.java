package org.nifiltx.core.schedule;

import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The schedule formulas shared by the diffusers and the original scheduler, each evaluated in the precision and
 * operation order of its reference so results are bit-identical to torch/numpy float32:
 * Python scalars (mu, shift parameters) are doubles and become float32 when they meet a float32 array; array
 * arithmetic is float32 with one rounding per operation (Java float arithmetic is IEEE binary32, so no emulation is
 * needed beyond keeping the same order).
 */
public final class ScheduleMath {
    /** Noise level at which the linear part of the LinearQuadratic schedule ends (rf.py default). */
    public static final double LINEAR_QUADRATIC_THRESHOLD_NOISE = 0.025;

    private ScheduleMath() {
    }

    /**
     * The resolution-dependent shift exponent mu: linear in the token count through (baseSeqLen, baseShift) and
     * (maxSeqLen, maxShift). Evaluated in double like the Python reference ({@code calculate_shift},
     * {@code get_normal_shift}), with the same operation order.
     */
    public static double calculateShift(final long imageSeqLen, final long baseSeqLen, final long maxSeqLen,
            final double baseShift, final double maxShift) {
        final double m = (maxShift - baseShift) / (double) (maxSeqLen - baseSeqLen);
        final double b = baseShift - m * baseSeqLen;
        return imageSeqLen * m + b;
    }

    /**
     * numpy {@code np.linspace(start, stop, num)} in float64: {@code i*step + start}, the last value set to stop.
     */
    public static double[] numpyLinspace(final double start, final double stop, final int num) {
        final double[] values = new double[num];
        if (num == 1) {
            values[0] = start;
            return values;
        }
        final double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            values[i] = i * step + start;
        }
        values[num - 1] = stop;
        return values;
    }

    /**
     * {@code torch.linspace(start, end, steps)} for float32 on CPU, scalar kernel: the first half counts up from
     * start, the second half down from end, both with the float32 step. (torch's vectorised kernel can differ by one
     * ulp for steps >= 16, where it accumulates {@code base + k*step} per SIMD lane.)
     */
    public static float[] torchLinspace(final float start, final float end, final int steps) {
        final float[] values = new float[steps];
        if (steps == 1) {
            values[0] = start;
            return values;
        }
        final float step = (end - start) / (float) (steps - 1);
        final int halfway = steps / 2;
        for (int index = 0; index < steps; index++) {
            values[index] = index < halfway ? start + step * (float) index : end - step * (float) (steps - index - 1);
        }
        return values;
    }

    /**
     * The LinearQuadratic schedule (rf.py and diffusers' LTXConditionPipeline): linear noise ramp to the threshold
     * over the first half, quadratic to 1 over the rest, returned as 1 - noise. Computed in double like the Python
     * list comprehension, then rounded to float32 like {@code torch.tensor(list)}.
     */
    public static float[] linearQuadraticSchedule(final int numSteps) {
        if (numSteps == 1) {
            return new float[] {1.0f};
        }
        final double thresholdNoise = LINEAR_QUADRATIC_THRESHOLD_NOISE;
        final int linearSteps = numSteps / 2;
        final double thresholdNoiseStepDiff = linearSteps - thresholdNoise * numSteps;
        final int quadraticSteps = numSteps - linearSteps;
        final double quadraticCoef = thresholdNoiseStepDiff / (linearSteps * (double) quadraticSteps * quadraticSteps);
        final double linearCoef = thresholdNoise / linearSteps
                - 2 * thresholdNoiseStepDiff / ((double) quadraticSteps * quadraticSteps);
        final double constant = quadraticCoef * ((double) linearSteps * linearSteps);
        final float[] timesteps = new float[numSteps];
        for (int i = 0; i < numSteps; i++) {
            final double noise = i < linearSteps
                    ? i * thresholdNoise / linearSteps
                    : quadraticCoef * ((double) i * i) + linearCoef * i + constant;
            timesteps[i] = (float) (1.0 - noise);
        }
        return timesteps;
    }

    /**
     * Exponential time shift {@code e^mu / (e^mu + (1/t - 1))} the way numpy evaluates it on a float32 array
     * (diffusers): true float32 divisions, e^mu rounded to float32.
     */
    public static float[] exponentialTimeShiftNumpy(final double mu, final float[] t) {
        final float expMu = (float) Math.exp(mu);
        final float[] shifted = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            shifted[i] = expMu / (expMu + (1.0f / t[i] - 1.0f));
        }
        return shifted;
    }

    /**
     * The same shift as torch evaluates it on a float32 tensor (rf.py): {@code scalar / tensor} is
     * {@code reciprocal(tensor) * scalar} in torch, so both divisions become a float32 reciprocal and a multiply.
     */
    public static float[] exponentialTimeShiftTorch(final double mu, final float[] t) {
        final float expMu = (float) Math.exp(mu);
        final float[] shifted = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            final float denominator = expMu + ((1.0f / t[i]) * 1.0f - 1.0f);
            shifted[i] = (1.0f / denominator) * expMu;
        }
        return shifted;
    }

    /** diffusers' linear time shift {@code mu / (mu + (1/t - 1))} in numpy float32. */
    public static float[] linearTimeShiftNumpy(final double mu, final float[] t) {
        final float muFloat = (float) mu;
        final float[] shifted = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            shifted[i] = muFloat / (muFloat + (1.0f / t[i] - 1.0f));
        }
        return shifted;
    }

    /**
     * Stretch a schedule so that its last value becomes {@code terminal}: {@code 1 - (1-t) / ((1-t_last)/(1-terminal))}
     * in float32 (both references use this order; the terminal's complement is a double rounded to float32).
     * A schedule whose last value is 1 (one step from pure noise: {@code --steps 1}) cannot be stretched, the scale
     * being 0 (diffusers computes 0/0 there and denoises with NaN timesteps), and is returned unchanged: one Euler step
     * from 1 to 0, as {@code --timesteps 1.0} gives.
     */
    public static float[] stretchToTerminal(final float[] t, final double terminal) {
        final float[] oneMinusZ = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            oneMinusZ[i] = 1.0f - t[i];
        }
        if (oneMinusZ[t.length - 1] == 0.0f) {
            return t.clone();
        }
        final float scaleFactor = oneMinusZ[t.length - 1] / (float) (1.0 - terminal);
        final float[] stretched = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            stretched[i] = 1.0f - oneMinusZ[i] / scaleFactor;
        }
        return stretched;
    }

    /** Reject a step count below one with the message tests and users rely on. */
    public static void requireSteps(final int numSteps) {
        if (numSteps < 1) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "the number of inference steps must be at least 1, got " + numSteps);
        }
    }

    /**
     * Convert an explicit list to float32 (as {@code np.array(...).astype(float32)} / {@code torch.Tensor(list)} do)
     * after checking it is non-empty, strictly decreasing and inside [0, upperBound].
     */
    public static float[] explicitValues(final List<? extends Number> values, final String what, final double upperBound) {
        if (values == null || values.isEmpty()) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "the explicit " + what + " list must not be empty");
        }
        final float[] converted = new float[values.size()];
        for (int i = 0; i < converted.length; i++) {
            final double value = values.get(i).doubleValue();
            if (!(value >= 0.0 && value <= upperBound)) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "explicit " + what + "[" + i + "] = " + value
                        + " lies outside [0, " + formatBound(upperBound) + "]");
            }
            if (i > 0 && !(value < values.get(i - 1).doubleValue())) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "explicit " + what + " must be strictly decreasing, but "
                        + what + "[" + i + "] = " + value + " follows " + values.get(i - 1).doubleValue());
            }
            converted[i] = values.get(i).floatValue();
        }
        return converted;
    }

    private static String formatBound(final double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
