package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.ProgressListener;

/** The run permits: first come first served, and a waiter whose processor stops gives up its place. */
class RunPermitsTest {

    private static ProgressListener stoppedWhen(final AtomicBoolean stopped) {
        return new ProgressListener() {
            @Override
            public void stageStarted(final String stage, final int totalSteps) {
            }

            @Override
            public void stepDone(final String stage, final int step, final int totalSteps) {
            }

            @Override
            public boolean cancelled() {
                return stopped.get();
            }
        };
    }

    /** Waits until {@code thread} is parked in acquire (it polls, so TIMED_WAITING). */
    private static void awaitWaiting(final Thread thread) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (thread.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(Thread.State.TIMED_WAITING, thread.getState());
    }

    @Test
    void waitersGetThePermitInTheOrderTheyCame() throws Exception {
        final RunPermits permits = new RunPermits(1);
        final RunPermits.Permit first = permits.acquire(ProgressListener.NONE);
        final List<String> order = new CopyOnWriteArrayList<>();
        final List<Thread> waiters = new ArrayList<>();
        for (final String name : List.of("a", "b", "c")) {
            final Thread waiter = new Thread(() -> {
                try (RunPermits.Permit permit = permits.acquire(ProgressListener.NONE)) {
                    order.add(name);
                }
            }, name);
            waiter.start();
            // Each is in line before the next comes, and several polls pass while they wait.
            awaitWaiting(waiter);
            Thread.sleep(2 * RunPermits.POLL_MILLIS);
            waiters.add(waiter);
        }
        assertEquals(0, permits.available());
        first.close();
        first.close();
        for (final Thread waiter : waiters) {
            waiter.join(20_000);
        }
        assertEquals(List.of("a", "b", "c"), order);
        assertEquals(1, permits.available());
    }

    @Test
    void aWaiterStopsWaitingWhenItsProcessorStops() throws Exception {
        final RunPermits permits = new RunPermits(1);
        final RunPermits.Permit held = permits.acquire(ProgressListener.NONE);
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicReference<LtxException> thrown = new AtomicReference<>();
        final Thread waiter = new Thread(() -> thrown.set(assertThrows(LtxException.class,
                () -> permits.acquire(stoppedWhen(stopped)))), "waiter");
        waiter.start();
        awaitWaiting(waiter);
        final long started = System.nanoTime();
        stopped.set(true);
        waiter.join(20_000);
        final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(took < 10 * RunPermits.POLL_MILLIS + 1_000, took + " ms");
        assertEquals(LtxErrorCode.CANCELLED, thrown.get().code());
        assertEquals("stopped while waiting for one of the 1 model runs (Max Concurrent Runs)", thrown.get().getMessage());
        // The one who gave up took nothing: the permit held is still the only one out.
        assertEquals(0, permits.available());
        held.close();
        assertEquals(1, permits.available());
    }

    @Test
    void thereIsAtLeastOneRun() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RunPermits(0));
        assertEquals("at least one run, got 0", e.getMessage());
    }
}
