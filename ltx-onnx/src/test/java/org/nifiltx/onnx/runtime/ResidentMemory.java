package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measuring what a session holds: anonymous resident memory ({@code RssAnon}) in a fresh JVM, where memory freed by
 * earlier tests is not waiting in the allocator's free lists to be handed out without growing the resident set.
 */
final class ResidentMemory {
    static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /** Runs {@code main}'s {@code main(args)} in a fresh JVM on the test class path; returns its output. */
    static String runInFreshJvm(final Class<?> main, final String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    /** RssAnon in bytes once garbage direct buffers are freed (their cleaner runs after a collection). */
    static long settledRssAnon() throws IOException, InterruptedException {
        long last = -1;
        for (int i = 0; i < 30; i++) {
            System.gc();
            Thread.sleep(100);
            final long now = rssAnon();
            if (Math.abs(now - last) < (1 << 20)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long rssAnon() throws IOException {
        for (final String line : Files.readAllLines(STATUS)) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.split("\\s+")[1]) * 1024;
            }
        }
        throw new IllegalStateException("no RssAnon in " + STATUS);
    }

    /** A small repeating input row. */
    static float[] ramp(final int n) {
        final float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 17 - 8) / 8f;
        }
        return x;
    }
}
