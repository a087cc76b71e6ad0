package org.nifiltx.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** The tiny T5 encoder GGUF against the same encoder's transformers safetensors. */
class T5GgufWeightsTest {
    private static final String MODEL = "/fixtures/ltx-tiny/model/";

    private Path resource(final String name) throws Exception {
        return Path.of(getClass().getResource(MODEL + name).toURI());
    }

    @Test
    void configMatchesTransformersConfig() throws Exception {
        final T5Config expected = T5Config.fromJson(
                new ObjectMapper().readTree(resource("diffusers/text_encoder/config.json").toFile()), "config.json");
        final T5Config actual = T5GgufWeights.config(GgufFile.open(resource("text_encoder.gguf")));
        assertEquals(expected, actual);
        assertEquals(new T5Config(24, 2, 3, 8, 64, 320, 32, 128, 1e-6, "gated-gelu"), actual);
    }

    @Test
    void weightsMatchSafetensorsNamesShapesAndValues() throws Exception {
        final GgufFile file = GgufFile.open(resource("text_encoder.gguf"));
        final WeightStore weights = T5GgufWeights.read(file).weights();
        final TensorBundle reference = SafeTensors.read(resource("diffusers/text_encoder/model.safetensors"));
        assertEquals(reference.names(), weights.keys());
        final Map<String, String> ggufNames = new TreeMap<>();
        for (final T5GgufWeights.Mapping mapping : T5GgufWeights.mappings(T5GgufWeights.config(file))) {
            ggufNames.put(mapping.name(), mapping.ggufName());
        }
        final Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        for (final String name : reference.names()) {
            final Tensor expected = reference.get(name);
            final Tensor actual = weights.get(name);
            assertArrayEquals(expected.shape(), actual.shape(), name);
            final GgmlType type = file.tensor(ggufNames.get(name)).type();
            seen.add(type);
            final double worst = switch (type) {
                case F32 -> compareExact(name, expected.toFloatArray(), actual.toFloatArray());
                case F16 -> compareF16(name, expected.toFloatArray(), actual.toFloatArray());
                case Q8_0 -> compareQ8(name, expected.toFloatArray(), actual.toFloatArray());
                default -> throw new AssertionError(name + " has unexpected type " + type);
            };
            System.out.printf("t5 gguf %-60s %-5s worst error / bound %.3f%n", name, type, worst);
        }
        assertEquals(EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0), seen);
    }

    private static double compareExact(final String name, final float[] expected, final float[] actual) {
        assertArrayEquals(expected, actual, name);
        return 0;
    }

    /**
     * F16 storage: the GGUF value must be exactly the float32 reference rounded to half precision (round to nearest
     * even, as numpy's astype(float16) does), which also bounds the error by half a unit in the last f16 place.
     */
    private static double compareF16(final String name, final float[] expected, final float[] actual) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(expected[i])), actual[i], name + "[" + i + "]");
            // Half a unit in the last place of an f16 value (10 mantissa bits; subnormals below 2^-14).
            final double bound = Math.max(Math.abs(expected[i]), 0x1p-14) * 0x1p-11;
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / bound);
        }
        return worst;
    }

    /**
     * Q8_0 stores each 32-value block as round(x / d) * d with d = max|x| / 127 (kept in F16), so every value is off by
     * at most d / 2 plus the F16 rounding of d times |q| <= 127, i.e. about 0.56 d; 0.6 d is the bound.
     */
    private static double compareQ8(final String name, final float[] expected, final float[] actual) {
        double worst = 0;
        for (int block = 0; block < expected.length / 32; block++) {
            double blockMax = 0;
            for (int j = 0; j < 32; j++) {
                blockMax = Math.max(blockMax, Math.abs(expected[32 * block + j]));
            }
            final double bound = 0.6 * blockMax / 127;
            for (int j = 0; j < 32; j++) {
                final int i = 32 * block + j;
                final double error = Math.abs(actual[i] - expected[i]);
                assertTrue(error <= bound, name + "[" + i + "]: " + actual[i] + " vs " + expected[i] + ", bound " + bound);
                worst = Math.max(worst, error / bound);
            }
        }
        return worst;
    }

    /**
     * The store dequantizes a weight when asked and keeps nothing: two gets make two tensors, a loaded tensor nobody
     * holds is collected while the store lives, and the fingerprint bytes are the file's quantized ones.
     */
    @Test
    void weightsAreDequantizedOnDemandAndNotRetained() throws Exception {
        final GgufFile file = GgufFile.open(resource("text_encoder.gguf"));
        final WeightStore weights = T5GgufWeights.read(file).weights();
        final String key = "encoder.block.0.layer.1.DenseReluDense.wo.weight";
        final GgufTensorInfo info = file.tensor("enc.blk.0.ffn_down.weight");
        assertEquals(GgmlType.Q8_0, info.type());
        assertArrayEquals(new long[] {24, 64}, weights.lazy(key).shape());
        assertEquals(DType.F32, weights.lazy(key).dtype());
        assertEquals(info.byteLength(), weights.lazy(key).storedBytes().remaining());
        assertEquals(file.rawData(info), weights.lazy(key).storedBytes());
        final Tensor first = weights.get(key);
        final Tensor second = weights.get(key);
        assertNotSame(first, second);
        assertArrayEquals(first.toFloatArray(), second.toFloatArray());
        assertArrayEquals(file.dequantize(info).toFloatArray(), first.toFloatArray());
        final WeakReference<Tensor> loaded = new WeakReference<>(weights.get(key));
        for (int i = 0; i < 20 && loaded.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(loaded.get(), "the store kept a dequantized tensor alive");
        assertTrue(weights.contains(key));
    }

    @Test
    void vocabularyFromMetadata() throws Exception {
        final T5Vocabulary vocabulary = T5GgufWeights.read(resource("text_encoder.gguf")).vocabulary().orElseThrow();
        assertEquals(320, vocabulary.size());
        assertEquals(List.of("<pad>", "</s>", "<unk>", "\u2581"), vocabulary.tokens().subList(0, 4));
        assertEquals(320, vocabulary.scores().length);
        assertEquals(-3.2372710704803467f, vocabulary.scores()[3]);
        assertArrayEquals(new int[] {3, 3, 2, 1, 1}, Arrays.copyOf(vocabulary.tokenTypes(), 5));
        assertEquals(240007, vocabulary.precompiledCharsmap().length);
        assertEquals(0, vocabulary.precompiledCharsmap()[0]);
        assertEquals((byte) 188, vocabulary.precompiledCharsmap()[1]);
        assertEquals(1, vocabulary.eosId());
        assertEquals(2, vocabulary.unkId());
        assertEquals(0, vocabulary.padId());
        assertTrue(vocabulary.addEos());
    }

    @Test
    void otherArchitecturesAreRefused() throws Exception {
        final Path file = Files.createTempFile("llama", ".gguf");
        try {
            Files.write(file, new GgufBuilder()
                    .kv("general.architecture", 8, GgufBuilder.string("llama")).build());
            final LtxException e = assertThrows(LtxException.class, () -> T5GgufWeights.read(file));
            assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
            assertEquals("GGUF file " + file + " has architecture 'llama', expected a T5 encoder (t5encoder or t5)",
                    e.getMessage());
        } finally {
            Files.delete(file);
        }
    }
}
