package org.nifiltx.nifi.service;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.ProgressListener;

/**
 * The "Max Concurrent Runs" permits: at most that many model runs inside the backend at once, handed out first come,
 * first served. A waiter asks its listener whether it was stopped every {@link #POLL_MILLIS} ms without losing its
 * place; a {@link java.util.concurrent.Semaphore} polled with tryAcquire would send it to the back of the line each
 * time.
 */
final class RunPermits {
    /** How often a waiting call asks whether its processor was stopped. */
    static final long POLL_MILLIS = 50;

    private final int count;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Thread> waiting = new ArrayDeque<>();
    private int available;

    /** A held permit; closing it gives it back. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    RunPermits(final int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one run, got " + count);
        }
        this.count = count;
        this.available = count;
    }

    /** Waits for a permit; throws {@link LtxErrorCode#CANCELLED} when {@code progress} says stop first. */
    Permit acquire(final ProgressListener progress) {
        final Thread self = Thread.currentThread();
        lock.lock();
        try {
            waiting.addLast(self);
            try {
                while (waiting.peekFirst() != self || available == 0) {
                    if (progress.cancelled()) {
                        throw new LtxException(LtxErrorCode.CANCELLED, "stopped while waiting for one of the " + count
                                + " model runs (Max Concurrent Runs)");
                    }
                    changed.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
                }
                available--;
            } finally {
                waiting.remove(self);
                // The next in line may now be first, or may go on after a waiter ahead of it gave up.
                changed.signalAll();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LtxException(LtxErrorCode.CANCELLED, "interrupted while waiting for one of the " + count
                    + " model runs (Max Concurrent Runs)", e);
        } finally {
            lock.unlock();
        }
        final AtomicBoolean held = new AtomicBoolean(true);
        return () -> {
            if (held.getAndSet(false)) {
                release();
            }
        };
    }

    private void release() {
        lock.lock();
        try {
            available++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Permits free now (tests). */
    int available() {
        lock.lock();
        try {
            return available;
        } finally {
            lock.unlock();
        }
    }
}
