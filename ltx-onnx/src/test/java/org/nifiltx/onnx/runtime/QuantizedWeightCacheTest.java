package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.QuantizedWeights;

class QuantizedWeightCacheTest {
    private static WeightStore store(final float first) {
        return new WeightStore("transformer", Map.of("blocks.0.to_q.weight",
                Tensor.ofFloats(new long[] {2, 3}, new float[] {first, -0.5f, 0.25f, 2f, 0f, -4f})));
    }

    @Test
    void quantizesPerOutputChannelTransposed() {
        final QuantizedWeights.Int8 q = QuantizedWeights.inMemory().linear("w", store(1f).get("blocks.0.to_q.weight"));
        assertArrayEquals(new long[] {3, 2}, q.values().shape());
        assertEquals(DType.I8, q.values().dtype());
        // row 0 max 1 → scale 1/127: 1, -0.5, 0.25 → 127, -64 (half to even of -63.5), 32 (31.75)
        // row 1 max 4 → scale 4/127: 2, 0, -4 → 64 (63.5), 0, -127; stored [in, out]
        assertArrayEquals(new float[] {127, 64, -64, 0, 32, -127}, q.values().toFloatArray());
        assertArrayEquals(new float[] {1f / 127, 4f / 127}, q.scale().toFloatArray(), 1e-9f);
    }

    @Test
    void missWritesOnceAndHitMapsTheFileBack(@TempDir final Path dir) throws IOException {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = store(1f);
        final QuantizedWeights miss = cache.open("transformer", Precision.INT8, weights);
        final QuantizedWeights.Int8 made = miss.linear("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight"));
        cache.save("transformer", Precision.INT8, weights, miss);
        final Path file = cache.fileFor("transformer", Precision.INT8, weights);
        assertTrue(Files.isRegularFile(file), "cache file written");
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }

        final QuantizedWeights hit = cache.open("transformer", Precision.INT8, weights);
        final QuantizedWeights.Int8 loaded = hit.linear("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight"));
        assertTrue(hit.computed().isEmpty(), "a hit computes nothing");
        assertArrayEquals(made.values().toFloatArray(), loaded.values().toFloatArray());
        assertArrayEquals(made.scale().toFloatArray(), loaded.scale().toFloatArray());
    }

    @Test
    void aMissWritesEachWeightToTheCacheFileAsItIsMadeAndUsesItFromThere(@TempDir final Path dir) throws IOException {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = store(1f);
        final QuantizedWeights miss = cache.open("transformer", Precision.BF16, weights);
        final Tensor bf16 = miss.bf16("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight"));
        // already in a file of the cache folder, not in the process's memory: ONNX Runtime maps it from there
        final Path written = bf16.origin().orElseThrow().file();
        assertEquals(dir.toAbsolutePath(), written.getParent());
        assertTrue(written.getFileName().toString().startsWith(".writing-"), written.toString());
        assertArrayEquals(new float[] {1f, -0.5f, 0.25f, 2f, 0f, -4f}, bf16.toFloatArray());
        cache.save("transformer", Precision.BF16, weights, miss);
        final Path file = cache.fileFor("transformer", Precision.BF16, weights);
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList(), "the written file became the cache, nothing else is left");
        }
        // the tensor in use still reads the same bytes after the rename
        assertArrayEquals(new float[] {1f, -0.5f, 0.25f, 2f, 0f, -4f}, bf16.toFloatArray());
        final QuantizedWeights hit = cache.open("transformer", Precision.BF16, weights);
        assertArrayEquals(bf16.toByteArray(), hit.bf16("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight")).toByteArray());
        assertTrue(hit.computed().isEmpty(), "a hit computes nothing");
    }

    @Test
    void aComponentThatFailsToOpenLeavesNoCacheFile(@TempDir final Path dir) throws IOException {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = store(1f);
        final QuantizedWeights miss = cache.open("transformer", Precision.INT8, weights);
        miss.linear("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight"));
        cache.discard(miss);
        try (var listing = Files.list(dir)) {
            assertEquals(0, listing.count());
        }
    }

    @Test
    void aCacheFolderThatCannotBeWrittenCostsTheCacheNotTheWeights(@TempDir final Path dir) throws IOException {
        final Path folder = dir.resolve("cache");
        final QuantizedWeightCache cache = new QuantizedWeightCache(folder);
        final WeightStore weights = store(1f);
        final QuantizedWeights miss = cache.open("transformer", Precision.INT8, weights);
        Files.delete(folder);
        final QuantizedWeights.Int8 made = miss.linear("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight"));
        assertTrue(made.values().origin().isEmpty(), "kept in memory");
        assertArrayEquals(new float[] {127, 64, -64, 0, 32, -127}, made.values().toFloatArray());
        Files.writeString(folder, "a file where the cache folder was");
        cache.save("transformer", Precision.INT8, weights, miss);
        assertEquals("a file where the cache folder was", Files.readString(folder));
    }

    @Test
    void otherWeightsOrPrecisionUseAnotherFile(@TempDir final Path dir) {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final Path base = cache.fileFor("transformer", Precision.INT8, store(1f));
        assertEquals(base, cache.fileFor("transformer", Precision.INT8, store(1f)));
        assertNotEquals(base, cache.fileFor("transformer", Precision.INT8, store(1.5f)));
        assertNotEquals(base, cache.fileFor("transformer", Precision.BF16, store(1f)));
        assertNotEquals(base, cache.fileFor("text-encoder", Precision.INT8, store(1f)));
    }

    @Test
    void corruptCacheFileIsIgnoredAndRequantized(@TempDir final Path dir) throws IOException {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = store(1f);
        Files.write(cache.fileFor("transformer", Precision.INT8, weights), new byte[] {1, 2, 3});
        final QuantizedWeights store = cache.open("transformer", Precision.INT8, weights);
        store.linear("blocks.0.to_q.weight", weights.get("blocks.0.to_q.weight"));
        assertEquals(2, store.computed().size(), "values and scale recomputed");
    }
}
