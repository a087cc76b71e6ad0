package org.nifiltx.core.gguf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxException;

/**
 * Damages the tiny encoder GGUF at random (seeded, so a failure reproduces) and reads it as an application would:
 * open, dequantize every tensor, build the T5 weights. Whatever the damage, the only exception allowed is
 * {@link LtxException}; a RuntimeException, OutOfMemoryError or endless loop would be a reader bug.
 */
class GgufMutationTest {
    private static final int MUTATIONS = 300;
    /** The tensor infos of the fixture lie in its last ~1.8 KB before the data section at 249312. */
    private static final int INFOS_START = 247500;
    private static final int DATA_START = 249312;

    @TempDir
    Path temp;

    @Test
    void randomDamageOnlyRaisesLtxException() throws Exception {
        final Path source = Path.of(getClass().getResource("/fixtures/ltx-tiny/model/text_encoder.gguf").toURI());
        final byte[] original = Files.readAllBytes(source);
        final Random random = new Random(20250611L);
        int refused = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            final byte[] damaged = mutate(original, random);
            final Path file = temp.resolve("m" + i + ".gguf");
            Files.write(file, damaged);
            try {
                final GgufFile gguf = GgufFile.open(file);
                for (final GgufTensorInfo info : gguf.tensors()) {
                    try {
                        gguf.dequantize(info);
                    } catch (final LtxException e) {
                        // A damaged type id may name a type that cannot be dequantized: allowed, keep going.
                    }
                }
                T5GgufWeights.read(gguf);
            } catch (final LtxException e) {
                refused++;
            } catch (final Throwable e) {
                fail("mutation " + i + " threw " + e, e);
            }
            Files.delete(file);
        }
        System.out.printf("gguf mutations: %d of %d refused with LtxException, the rest read%n", refused, MUTATIONS);
        assertTrue(refused > 0, "some mutation should be refused");
    }

    /**
     * One to eight random bytes overwritten, or a truncation. Most of the file is vocabulary strings and the charsmap,
     * where damage goes unnoticed, so two thirds of the byte edits aim at the fixed header and the tensor infos.
     */
    private static byte[] mutate(final byte[] original, final Random random) {
        if (random.nextInt(10) == 0) {
            return Arrays.copyOf(original, random.nextInt(original.length));
        }
        final byte[] out = original.clone();
        final int edits = 1 + random.nextInt(8);
        for (int e = 0; e < edits; e++) {
            final int position = switch (random.nextInt(3)) {
                case 0 -> random.nextInt(512);
                case 1 -> INFOS_START + random.nextInt(DATA_START - INFOS_START);
                default -> random.nextInt(out.length);
            };
            out[position] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (out[position] ^ 1 << random.nextInt(8));
        }
        return out;
    }
}
