package org.nifiltx.nifi.service;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.PromptSpec;
import org.nifiltx.nifi.api.LtxModelInfo;

/**
 * The model of one enable and the calls using it. Every call holds a {@link Lease}; {@link #close} marks the model
 * closing (new calls are refused, running generations stop at their next denoising step) and frees the sessions when
 * the last lease returns: never under a running call, even when that call outlives the disable's wait.
 */
final class OpenModel {
    private final LtxModels models;
    private final LtxPipeline pipeline;
    private final LtxModelInfo info;
    private final RunPermits permits;
    private final boolean releaseTextEncoder;
    /** Read by running generations between steps, so volatile; written under the monitor. */
    private volatile boolean closing;
    private int leases;
    private int encoders;
    /** Set when {@link #close} stopped waiting: the last lease then frees the sessions. */
    private boolean abandoned;

    /** A call's hold on the sessions; closing it gives the hold back. */
    final class Lease implements AutoCloseable {
        private boolean returned;

        @Override
        public void close() {
            final boolean freeNow;
            synchronized (OpenModel.this) {
                if (returned) {
                    return;
                }
                returned = true;
                leases--;
                freeNow = leases == 0 && abandoned;
                OpenModel.this.notifyAll();
            }
            if (freeNow) {
                models.close();
            }
        }
    }

    OpenModel(final LtxModels models, final LtxPipeline pipeline, final LtxModelInfo info, final int maxConcurrentRuns,
            final boolean releaseTextEncoder) {
        this.models = models;
        this.pipeline = pipeline;
        this.info = info;
        this.permits = new RunPermits(maxConcurrentRuns);
        this.releaseTextEncoder = releaseTextEncoder;
    }

    static LtxException notEnabled() {
        return new LtxException(LtxErrorCode.BACKEND_UNAVAILABLE, "the LTX-Video model service is not enabled");
    }

    /** A hold on the sessions until the lease is closed; refused once the model is closing. */
    synchronized Lease lease() {
        if (closing) {
            throw notEnabled();
        }
        leases++;
        return new Lease();
    }

    LtxModels models() {
        return models;
    }

    LtxPipeline pipeline() {
        return pipeline;
    }

    LtxModelInfo info() {
        return info;
    }

    RunPermits permits() {
        return permits;
    }

    boolean closing() {
        return closing;
    }

    /** {@code progress}, stopped also when the service is being disabled. */
    ProgressListener stoppable(final ProgressListener progress) {
        return new ProgressListener() {
            @Override
            public void stageStarted(final String stage, final int totalSteps) {
                progress.stageStarted(stage, totalSteps);
            }

            @Override
            public void stepDone(final String stage, final int step, final int totalSteps) {
                progress.stepDone(stage, step, totalSteps);
            }

            @Override
            public boolean cancelled() {
                return closing || progress.cancelled();
            }
        };
    }

    /**
     * Encodes under a count of running encodings, so that with "Release Text Encoder After Encoding" the T5 sessions
     * are closed by the last encoding to finish, never under another one still running. The count and the release
     * share the monitor with the count's increment, so an encoding starting meanwhile either keeps the sessions or
     * builds them anew.
     */
    PromptPair encodePrompts(final PromptSpec spec, final ProgressListener progress) {
        synchronized (this) {
            encoders++;
        }
        try {
            return pipeline.encodePrompts(spec, progress);
        } finally {
            synchronized (this) {
                encoders--;
                if (encoders == 0 && releaseTextEncoder) {
                    models.releaseTextEncoder();
                }
            }
        }
    }

    /**
     * Refuses new calls, stops running generations at their next step and waits up to {@code wait} for the leases to
     * return; frees the sessions and returns true when they did, else returns false and leaves the freeing to the last
     * lease.
     */
    boolean close(final Duration wait) {
        synchronized (this) {
            closing = true;
            final long deadline = System.nanoTime() + wait.toNanos();
            try {
                while (leases > 0) {
                    final long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        abandoned = true;
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                abandoned = true;
                return false;
            }
        }
        models.close();
        return true;
    }

    /** Calls holding the sessions now (logs, tests). */
    synchronized int leases() {
        return leases;
    }
}
