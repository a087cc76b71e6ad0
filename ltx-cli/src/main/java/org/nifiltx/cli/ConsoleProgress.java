package org.nifiltx.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.nifiltx.core.pipeline.ProgressListener;

/**
 * Progress on stderr. On a terminal one bar per stage is redrawn in place with a carriage return (stage, step i/N,
 * elapsed, ETA); otherwise (a pipe, a log file, a test) every finished step is one plain line such as
 * {@code denoise: step 3/7 (1.2 s)}, the time being the elapsed time of the stage.
 */
final class ConsoleProgress implements ProgressListener {
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private long stageStart;

    ConsoleProgress(final PrintWriter err, final boolean terminal, final LongSupplier nanoClock) {
        this.err = err;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
    }

    /** Bars when stderr is an interactive terminal, plain lines otherwise. */
    static ConsoleProgress forConsole(final PrintWriter err) {
        return new ConsoleProgress(err, Terminal.interactive(), System::nanoTime);
    }

    @Override
    public void stageStarted(final String stage, final int totalSteps) {
        stageStart = nanoClock.getAsLong();
        if (terminal) {
            err.print("\r" + bar(stage, 0, totalSteps, 0));
            err.flush();
        }
    }

    @Override
    public void stepDone(final String stage, final int step, final int totalSteps) {
        final double elapsed = (nanoClock.getAsLong() - stageStart) / 1e9;
        if (!terminal) {
            err.println(stage + ": step " + step + "/" + totalSteps + " (" + seconds(elapsed) + ")");
            return;
        }
        err.print("\r" + bar(stage, step, totalSteps, elapsed));
        if (step >= totalSteps) {
            err.println();
        }
        err.flush();
    }

    private static String bar(final String stage, final int step, final int totalSteps, final double elapsed) {
        final int filled = totalSteps == 0 ? BAR_WIDTH : step * BAR_WIDTH / totalSteps;
        final String eta = step == 0 ? "?" : seconds(elapsed / step * (totalSteps - step));
        // Trailing spaces wipe the remains of a longer previous line.
        return String.format(Locale.ROOT, "%-16s [%s%s] %d/%d  elapsed %s  ETA %s   ", stage, "#".repeat(filled),
                "-".repeat(BAR_WIDTH - filled), step, totalSteps, seconds(elapsed), eta);
    }

    private static String seconds(final double value) {
        return String.format(Locale.ROOT, "%.1f s", value);
    }

    /** Whether stderr is an interactive terminal. */
    static final class Terminal {
        private Terminal() {
        }

        static boolean interactive() {
            final Console console = System.console();
            if (console == null) {
                return false;
            }
            // Since JDK 22 System.console() exists even when redirected; isTerminal() (absent in the 21 API) tells.
            try {
                return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
            } catch (final ReflectiveOperationException e) {
                return true;
            }
        }
    }
}
