package org.nifiltx.core.schedule;

import java.util.Arrays;

/**
 * A diffusers-style schedule: {@code timesteps} are the N values handed to the transformer (sigma x 1000 in diffusers),
 * {@code sigmas} the N+1 flow times including the trailing terminal value (0, or 1 for inverted sigmas) that the
 * Euler step moves to after the last model call. Both are float32, as torch holds them.
 */
public final class Schedule {
    private final float[] sigmas;
    private final float[] timesteps;

    public Schedule(final float[] sigmas, final float[] timesteps) {
        if (sigmas.length != timesteps.length + 1) {
            throw new IllegalArgumentException("a schedule needs one more sigma than timesteps, got "
                    + sigmas.length + " sigmas and " + timesteps.length + " timesteps");
        }
        this.sigmas = sigmas.clone();
        this.timesteps = timesteps.clone();
    }

    /** N+1 flow times, the last being the terminal value. */
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** N model timesteps (sigma x num_train_timesteps). */
    public float[] timesteps() {
        return timesteps.clone();
    }

    public int numSteps() {
        return timesteps.length;
    }

    public float sigma(final int stepIndex) {
        return sigmas[stepIndex];
    }

    public float timestep(final int stepIndex) {
        return timesteps[stepIndex];
    }

    @Override
    public String toString() {
        return "Schedule{sigmas=" + Arrays.toString(sigmas) + ", timesteps=" + Arrays.toString(timesteps) + "}";
    }
}
