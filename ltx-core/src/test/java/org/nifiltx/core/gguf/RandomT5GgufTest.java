package org.nifiltx.core.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.testing.RandomT5Gguf;

/** The streamed random T5 GGUF reads back as the encoder it describes. */
class RandomT5GgufTest {
    @Test
    void readsBackWithItsConfigAndWeights(@TempDir final Path dir) throws Exception {
        final T5Config config = new T5Config(64, 2, 2, 32, 96, 40, 32, 128, 1e-6, "gated-gelu");
        final Path file = dir.resolve("t5.gguf");
        RandomT5Gguf.write(file, config, 3);
        final GgufFile gguf = GgufFile.open(file);
        assertEquals(config, T5GgufWeights.config(gguf));
        assertEquals(GgmlType.Q8_0, gguf.tensor("enc.blk.1.ffn_down.weight").type());
        final WeightStore weights = T5GgufWeights.read(gguf).weights();
        final float[] wo = weights.get("encoder.block.1.layer.1.DenseReluDense.wo.weight", 64, 96).toFloatArray();
        float max = 0;
        for (final float v : wo) {
            max = Math.max(max, Math.abs(v));
        }
        // U(±1/√96) rounded to Q8_0: within the range, and the largest values come close to its end
        assertTrue(max <= 1 / Math.sqrt(96) * 1.001 && max > 0.9 / Math.sqrt(96), "max |wo| " + max);
        final float[] norm = weights.get("encoder.final_layer_norm.weight", 64).toFloatArray();
        for (final float v : norm) {
            assertTrue(v >= 0.9f && v <= 1.1f, "norm scale " + v);
        }
    }
}
