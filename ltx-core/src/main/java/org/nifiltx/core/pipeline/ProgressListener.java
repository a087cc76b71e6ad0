package org.nifiltx.core.pipeline;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Receives progress of a generation: a CLI draws a bar, a NiFi processor logs a line per step. It is also how a caller
 * stops a long generation: the denoising loop asks {@link #cancelled()} before each step.
 */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void stageStarted(final String stage, final int totalSteps) {
        }

        @Override
        public void stepDone(final String stage, final int step, final int totalSteps) {
        }
    };

    /** A stage (encode prompt, denoise pass 1, upsample, decode ...) begins; {@code totalSteps} is 1 for one-shot stages. */
    void stageStarted(String stage, int totalSteps);

    /** Step {@code step} (1-based) of the stage finished. */
    void stepDone(String stage, int step, int totalSteps);

    /**
     * Asked before each denoising step: true stops the generation there with an {@link LtxException} of code
     * {@link LtxErrorCode#CANCELLED}, so a stop takes effect within one step.
     */
    default boolean cancelled() {
        return false;
    }
}
