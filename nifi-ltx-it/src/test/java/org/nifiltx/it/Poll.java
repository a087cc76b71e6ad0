package org.nifiltx.it;

import java.time.Duration;

/** Bounded waits: every wait of the integration test ends, with a message saying what it waited for. */
final class Poll {
    private static final Duration INTERVAL = Duration.ofMillis(500);

    /** A condition that may throw; checked again until it holds. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    private Poll() {
    }

    /**
     * Checks {@code condition} every half second until it holds; fails after {@code limit}, or at once when
     * {@code alive} (the server process) fails its own check.
     */
    static void until(final Duration limit, final String what, final Runnable alive, final Condition condition) {
        final long deadline = System.nanoTime() + limit.toNanos();
        Exception last = null;
        while (true) {
            alive.run();
            try {
                if (condition.holds()) {
                    return;
                }
                last = null;
            } catch (final Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what
                        + (last == null ? "" : " (last error: " + last + ")"), last);
            }
            try {
                Thread.sleep(INTERVAL);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
