package org.nifiltx.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Random byte mutations of a valid file either still read or fail with the documented exception, nothing else. */
class SafeTensorsFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedFilesThrowOnlyLtxException() throws IOException {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("weight", Tensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        tensors.put("ids", Tensor.ofLongs(new long[] {2}, new long[] {7, 8}));
        tensors.put("mask", Tensor.ofBytes(DType.BOOL, new long[] {3}, new byte[] {1, 0, 1}));
        final Path valid = dir.resolve("valid.safetensors");
        SafeTensors.write(valid, new TensorBundle(tensors, Map.of("config", "{}")));
        final byte[] original = Files.readAllBytes(valid);
        final Path mutated = dir.resolve("mutated.safetensors");
        final int[] outcomes = new int[2];
        qt().withExamples(1500).forAll(longs().all(), integers().between(1, 8)).checkAssert((seed, count) -> {
            final Random random = new Random(seed);
            final byte[] bytes = original.clone();
            for (int i = 0; i < count; i++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            final int length = random.nextInt(4) == 0 ? random.nextInt(bytes.length + 1) : bytes.length;
            try {
                Files.write(mutated, java.util.Arrays.copyOf(bytes, length));
                SafeTensors.read(mutated).tensors().values().forEach(Tensor::toFloatArray);
                SafeTensors.read(java.util.Arrays.copyOf(bytes, length), "<memory>").tensors().values().forEach(Tensor::toFloatArray);
                outcomes[0]++;
            } catch (final LtxException expected) {
                outcomes[1]++;
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            } catch (final RuntimeException e) {
                fail("mutation (seed " + seed + ", " + count + " bytes, length " + length + ") threw " + e, e);
            }
        });
        assertEquals(1500, outcomes[0] + outcomes[1]);
        if (outcomes[1] == 0) {
            fail("no mutation was rejected; the fuzz test exercises nothing");
        }
    }
}
