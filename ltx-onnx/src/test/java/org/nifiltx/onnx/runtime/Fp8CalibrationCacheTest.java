package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.CpuFeatures;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.backend.OnnxRuntimeBackend;
import org.nifiltx.onnx.graph.Fp8Calibration;
import org.nifiltx.onnx.model.transformer.Fp8Calibrator;
import org.nifiltx.onnx.model.transformer.Fp8TransformerRunner;

/**
 * {@code --precision fp8} through the backend: the first open of a checkpoint calibrates on its first call's inputs and
 * stores the ranges beside the fp8 weight cache; the file is the same bytes for the same inputs; later opens load it
 * (the Q/DQ graph is built before any call) and compute the same output bit for bit. {@code auto} never picks fp8.
 */
class Fp8CalibrationCacheTest {
    private static final LtxCheckpoint CHECKPOINT = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors"));
    private static final TensorBundle INPUTS = TinyFixtures.read("cases/lora_transformer/inputs.safetensors");

    @TempDir
    Path dir;

    private Fp8TransformerRunner open() {
        return (Fp8TransformerRunner) new OnnxRuntimeBackend().transformer(CHECKPOINT,
                new BackendOptions("cpu", Precision.FP8, 0, 0, dir));
    }

    private Set<String> files() throws IOException {
        try (var listing = Files.list(dir)) {
            return listing.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void calibratesOnceStoresReproduciblyAndReloads() throws IOException {
        final float[] first;
        try (Fp8TransformerRunner runner = open()) {
            assertFalse(runner.calibrated(), "no stored calibration yet");
            assertEquals(Set.of(), files());
            first = runner.run(INPUTS).get("out").toFloatArray();
            assertTrue(runner.calibrated());
        }
        final Path calibrationFile = new QuantizedWeightCache(dir).calibrationFileFor("transformer", CHECKPOINT.transformerWeights());
        final Path weightFile = new QuantizedWeightCache(dir).fileFor("transformer", Precision.FP8, CHECKPOINT.transformerWeights());
        assertEquals(new TreeSet<>(List.of(calibrationFile.getFileName().toString(), weightFile.getFileName().toString())),
                files());
        // 2 blocks x 10 block linears, each with e4m3fn values and per-channel scales
        final TensorBundle weights = SafeTensors.read(weightFile);
        assertEquals(20, weights.tensors().values().stream().filter(t -> t.dtype() == DType.F8_E4M3).count());
        assertEquals(40, weights.tensors().size());

        final Fp8Calibration again = Fp8Calibrator.calibrate(CHECKPOINT.transformerConfig(), CHECKPOINT.transformerWeights(),
                List.of(INPUTS), SessionConfig.cpu());
        assertEquals(again.toJson(), Files.readString(calibrationFile), "same inputs, same file");
        assertEquals(again, Fp8Calibration.fromJson(Files.readString(calibrationFile), "stored"));
        assertEquals(20, again.ranges().size());
        assertEquals(1, again.samples());

        try (Fp8TransformerRunner runner = open()) {
            assertTrue(runner.calibrated(), "the stored ranges are loaded, not recomputed");
            assertArrayEquals(first, runner.run(INPUTS).get("out").toFloatArray());
        }
    }

    @Test
    void autoNeverPicksFp8() {
        assertEquals(Precision.INT8, Precision.AUTO.resolve(new CpuFeatures(Set.of("avx512_vnni"))));
        assertEquals(Precision.FP32, Precision.AUTO.resolve(new CpuFeatures(Set.of())));
    }
}
