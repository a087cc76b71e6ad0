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
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.lora.LoraMerge;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.backend.OnnxRuntimeBackend;

/** int8 runs of LoRA-merged transformers: each variant gets its own cache file, and the int8 output follows the LoRA. */
class LoraWeightCacheTest {
    private static final LtxCheckpoint BASE = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors"));
    private static final Path LORA = TinyFixtures.path("model/lora/ltx-lora-diffusers.safetensors");
    private static final TensorBundle INPUTS = TinyFixtures.read("cases/lora_transformer/inputs.safetensors");
    private static final TensorBundle OUTPUTS = TinyFixtures.read("cases/lora_transformer/outputs.safetensors");

    @TempDir
    Path dir;

    private Tensor runInt8(final LtxCheckpoint checkpoint) {
        try (ComponentRunner runner = new OnnxRuntimeBackend().transformer(checkpoint,
                new BackendOptions("cpu", Precision.INT8, 0, 0, dir))) {
            return runner.run(INPUTS).get("out");
        }
    }

    private TreeSet<String> cacheFiles() throws IOException {
        try (var listing = Files.list(dir)) {
            return listing.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void everyMergedVariantHasItsOwnInt8CacheFile() throws IOException {
        final LtxCheckpoint threeQuarters = LoraMerge.apply(BASE, List.of(new LoraSpec(LORA, 0.75)));
        final LtxCheckpoint full = LoraMerge.apply(BASE, List.of(new LoraSpec(LORA, 1.0)));
        final Tensor base = runInt8(BASE);
        final Tensor merged = runInt8(threeQuarters);
        runInt8(full);
        assertEquals(3, cacheFiles().size(), "base, x0.75 and x1.0 each quantized once: " + cacheFiles());

        // a second start of the x0.75 variant maps its file back: nothing new, the same output
        final TreeSet<String> before = cacheFiles();
        assertArrayEquals(merged.toFloatArray(), runInt8(threeQuarters).toFloatArray());
        assertEquals(before, cacheFiles());

        // int8 of the merged weights follows the LoRA reference far closer than the base model does
        final double mergedError = Parity.relativeError(OUTPUTS.get("out"), merged);
        final double baseError = Parity.relativeError(OUTPUTS.get("out"), base);
        System.out.printf("int8 with LoRA x0.75: rel err %.3e vs reference (base model: %.3e)%n", mergedError, baseError);
        assertTrue(mergedError < baseError / 4, "int8 merged " + mergedError + " vs base " + baseError);
    }

    @Test
    void theVariantNameAloneSeparatesCacheFiles() {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = BASE.transformerWeights();
        final String key = "transformer_blocks.0.attn1.to_q.weight";
        // the same bytes under two adapter names: only the explicit variant tells them apart
        final WeightStore a = weights.withReplaced(Map.of(key, weights.get(key)), "lora a.safetensors x1.0");
        final WeightStore b = weights.withReplaced(Map.of(key, weights.get(key)), "lora b.safetensors x1.0");
        assertNotEquals(cache.fileFor("transformer", Precision.INT8, a), cache.fileFor("transformer", Precision.INT8, b));
        assertNotEquals(cache.fileFor("transformer", Precision.INT8, weights), cache.fileFor("transformer", Precision.INT8, a));
        assertEquals(cache.fileFor("transformer", Precision.INT8, weights),
                cache.fileFor("transformer", Precision.INT8, weights.withReplaced(Map.of(), "")));
    }

    @Test
    void theSampledBytesAloneAlsoSeparateTheFixtureVariants() {
        // without the variant name the key still differs here: the merged layers' sampled bytes changed
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore base = BASE.transformerWeights();
        final WeightStore threeQuarters = LoraMerge.merge(base, List.of(new LoraSpec(LORA, 0.75))).withReplaced(Map.of(), "");
        final WeightStore full = LoraMerge.merge(base, List.of(new LoraSpec(LORA, 1.0))).withReplaced(Map.of(), "");
        final TreeSet<Path> files = new TreeSet<>(List.of(cache.fileFor("transformer", Precision.INT8, base),
                cache.fileFor("transformer", Precision.INT8, threeQuarters), cache.fileFor("transformer", Precision.INT8, full)));
        assertEquals(3, files.size(), files.toString());
    }
}
