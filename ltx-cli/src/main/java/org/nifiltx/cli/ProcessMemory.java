package org.nifiltx.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from {@code /proc/self/status} (Linux; -1 elsewhere). The peak (VmHWM) can be reset
 * by writing 5 to {@code /proc/self/clear_refs}, so each benchmark stage reports its own peak.
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Current resident set in MB, or -1. */
    static double rssMb() {
        return field("VmRSS:");
    }

    /** Peak resident set in MB since start or the last {@link #resetPeak()}, or -1. */
    static double peakMb() {
        return field("VmHWM:");
    }

    /** Starts a new peak at the current resident set; false where the kernel does not allow it. */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (final IOException | RuntimeException e) {
            return false;
        }
    }

    private static double field(final String name) {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    final String kb = line.substring(name.length()).trim().split("\\s+")[0];
                    return Long.parseLong(kb) / 1024.0;
                }
            }
        } catch (final IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
