package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.runtime.QuantizedWeightCache;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * An fp8 transformer whose first (calibrating) call fails after its store began writing the weight cache, or that is
 * closed before any call, leaves no half-written cache file: the store's file is deleted, only the stored calibration
 * (complete and valid) stays.
 */
class Fp8AbandonedCacheTest {
    private static final LtxCheckpoint CHECKPOINT = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors"));
    private static final TensorBundle INPUTS = TinyFixtures.read("cases/lora_transformer/inputs.safetensors");
    private static final String LINEAR = "transformer_blocks.0.attn1.to_q";

    @TempDir
    Path dir;

    private List<String> files() throws IOException {
        try (var listing = Files.list(dir)) {
            return listing.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void aFirstCallThatFailsAfterWritingWeightsLeavesNoPartialCacheFile() throws IOException {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = CHECKPOINT.transformerWeights();
        final QuantizedWeights store = cache.open("transformer", Precision.FP8, weights);
        final boolean[] wrote = {false};
        final Fp8TransformerRunner runner = new Fp8TransformerRunner(CHECKPOINT.transformerConfig(), weights,
                SessionConfig.cpu(), store, calibration -> cache.saveCalibration("transformer", weights, calibration),
                () -> cache.save("transformer", Precision.FP8, weights, store), () -> cache.discard(store), policy -> {
                    // the graph build makes (and spills) a weight, then the session cannot be created
                    policy.weights().fp8(weights.prefix() + LINEAR + ".weight", weights.lazy(LINEAR + ".weight"));
                    try {
                        wrote[0] = files().stream().anyMatch(name -> name.contains(".writing"));
                    } catch (final IOException e) {
                        throw new IllegalStateException(e);
                    }
                    throw new IllegalStateException("cannot create the session: out of memory");
                });
        final IllegalStateException failure = assertThrows(IllegalStateException.class, () -> runner.run(INPUTS));
        assertEquals("cannot create the session: out of memory", failure.getMessage());
        assertTrue(wrote[0], "the store was writing its cache file when the build failed");
        assertFalse(runner.calibrated());
        final List<String> kept = List.of(cache.calibrationFileFor("transformer", weights).getFileName().toString());
        assertEquals(kept, files(), "at once, before the runner closes: only the (complete) calibration is kept");
        runner.close();
        assertEquals(kept, files());
    }

    @Test
    void closingBeforeTheFirstCallLeavesNothing() throws IOException {
        final QuantizedWeightCache cache = new QuantizedWeightCache(dir);
        final WeightStore weights = CHECKPOINT.transformerWeights();
        final QuantizedWeights store = cache.open("transformer", Precision.FP8, weights);
        final boolean[] discarded = {false};
        try (Fp8TransformerRunner runner = Fp8TransformerRunner.open(CHECKPOINT.transformerConfig(), weights,
                SessionConfig.cpu(), null, store, calibration -> { }, () -> { }, () -> discarded[0] = true)) {
            assertFalse(runner.calibrated());
        }
        assertTrue(discarded[0], "an unbuilt runner discards its store when closed");
        assertEquals(List.of(), files());
    }
}
