package org.nifiltx.core.memory;

import java.lang.management.ManagementFactory;
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
