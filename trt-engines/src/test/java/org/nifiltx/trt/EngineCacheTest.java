package org.nifiltx.trt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxException;

class EngineCacheTest {
    private static EngineCacheKey key(final Precision precision, final String profile, final String arch) {
        return new EngineCacheKey(Component.TRANSFORMER, "abc123", precision, Map.of("hidden_states", profile), "10.12.0", arch);
    }

    @Test
    void everyFieldChangesTheFileName() {
        final String base = key(Precision.BF16, "1x256x128/2x4096x128/3x8192x128", "sm_90").fileName();
        assertTrue(base.startsWith("transformer-bf16-trt10.12.0-sm_90-"), base);
        assertTrue(base.endsWith(".engine"), base);
        assertEquals(base, key(Precision.BF16, "1x256x128/2x4096x128/3x8192x128", "sm_90").fileName());
        assertNotEquals(base, key(Precision.FP8, "1x256x128/2x4096x128/3x8192x128", "sm_90").fileName());
        assertNotEquals(base, key(Precision.BF16, "1x256x128/2x4096x128/3x9000x128", "sm_90").fileName());
        assertNotEquals(base, key(Precision.BF16, "1x256x128/2x4096x128/3x8192x128", "sm_89").fileName());
        assertNotEquals(base, new EngineCacheKey(Component.TRANSFORMER, "abc124", Precision.BF16,
                Map.of("hidden_states", "1x256x128/2x4096x128/3x8192x128"), "10.12.0", "sm_90").fileName());
    }

    @Test
    void buildsOnceThenReadsFromDisk(@TempDir final Path dir) throws IOException {
        final EngineCache cache = new EngineCache(dir.resolve("engines"));
        final AtomicInteger builds = new AtomicInteger();
        final EngineCacheKey key = key(Precision.BF16, "1x1/1x1/1x1", "sm_90");
        final byte[] first = cache.getOrBuild(key, () -> {
            builds.incrementAndGet();
            return new byte[] {1, 2, 3};
        });
        final byte[] second = cache.getOrBuild(key, () -> {
            builds.incrementAndGet();
            return new byte[] {9};
        });
        assertEquals(1, builds.get());
        assertArrayEquals(new byte[] {1, 2, 3}, first);
        assertArrayEquals(new byte[] {1, 2, 3}, second);
        try (Stream<Path> files = Files.list(dir.resolve("engines"))) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void failedBuildLeavesNothing(@TempDir final Path dir) throws IOException {
        final EngineCache cache = new EngineCache(dir);
        final EngineCacheKey key = key(Precision.FP8, "1x1/1x1/1x1", "sm_90");
        final LtxException e = assertThrows(LtxException.class, () -> cache.getOrBuild(key, () -> new byte[0]));
        assertEquals("TensorRT produced no engine for transformer", e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void fingerprintFollowsTheWeights(@TempDir final Path dir) throws IOException {
        final Path a = dir.resolve("a.safetensors");
        Files.write(a, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
        final String before = CheckpointFingerprint.of(a);
        assertEquals(64, before.length());
        assertEquals(before, CheckpointFingerprint.of(a));
        Files.write(a, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', '\n'});
        assertNotEquals(before, CheckpointFingerprint.of(a));
    }
}
