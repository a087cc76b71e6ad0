package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The memory figures the README and the service's documentation give a NiFi operator, held by a test: one 768x512x121
 * clip through EncodePrompt, GenerateLatents and DecodeVideo ({@link ChainMemoryProbe}, tiny model at the full output
 * size) in a JVM with {@code -Xmx256m -XX:MaxDirectMemorySize=800m}. The direct buffers peak at the decoded video in
 * float32 plus its uint8 frames, 15 bytes a pixel of every frame (714 MB here), and nothing on the heap grows with the
 * clip but its compressed MP4. Measured on 2 cores: peak direct 717 MB, peak heap in use 241 MB (garbage included; the
 * run passes with -Xmx192m), MP4 22 MB (noise compresses badly), 12 s.
 */
class NiFiMemoryFiguresTest {
    private static final Pattern PEAKS = Pattern.compile("peakHeap=(\\d+) peakDirect=(\\d+) latents=(\\d+) mp4=(\\d+)");

    @Test
    void aFullSizeClipFitsA256MbHeapAnd800MbOfDirectMemory() throws IOException, InterruptedException {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process process = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-XX:MaxDirectMemorySize=800m", "-cp", System.getProperty("java.class.path"), ChainMemoryProbe.class.getName(),
                "121", "512", "768")).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, process.exitValue(), output);
        final Matcher peaks = PEAKS.matcher(output);
        assertTrue(peaks.find(), output);
        final long pixels = 121L * 512 * 768;
        final long direct = Long.parseLong(peaks.group(2));
        System.out.printf("768x512x121 chain: peak heap %d MB, peak direct %d MB, MP4 %d MB%n",
                Long.parseLong(peaks.group(1)) >> 20, direct >> 20, Long.parseLong(peaks.group(4)) >> 20);
        assertTrue(direct <= pixels * 3 * (Float.BYTES + 1) + (16L << 20),
                "direct memory peaked at " + direct + " bytes, more than the video in float32 and uint8 (+16 MB)");
    }
}
