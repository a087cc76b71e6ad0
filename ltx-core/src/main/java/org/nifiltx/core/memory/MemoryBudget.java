package org.nifiltx.core.memory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** How much memory one generation may use, and how byte counts are shown to a person. */
public final class MemoryBudget {
    /** Share of physical memory a generation (or a decode) may use when no budget is given. */
    public static final double DEFAULT_SHARE = 0.5;

    private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

    private MemoryBudget() {
    }

    /**
     * Default budget: half the machine's physical memory, read through {@code com.sun.management}. Physical memory
     * rather than the JVM heap because ONNX Runtime allocates activations natively, outside the heap.
     */
    public static long defaultBytes() {
        final java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        if (bean instanceof com.sun.management.OperatingSystemMXBean system) {
            return (long) (system.getTotalMemorySize() * DEFAULT_SHARE);
        }
        return (long) (Runtime.getRuntime().maxMemory() * DEFAULT_SHARE);
    }

    /**
     * Anonymous memory this process holds now ({@code RssAnon} of {@code /proc/self/status}: heap, direct buffers, ONNX
     * Runtime's weights and arenas; not file pages, which the kernel can drop), or 0 where that cannot be read.
     */
    public static long residentAnonymousBytes() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (final IOException | RuntimeException e) {
            // not Linux: nothing is known to be held
        }
        return 0;
    }

    /** {@code bytes} in binary units with one decimal, e.g. "3.2 GiB", "512 bytes". */
    public static String format(final double bytes) {
        if (!Double.isFinite(bytes)) {
            return "an unbounded amount";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? String.format(Locale.ROOT, "%.0f bytes", value) : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
