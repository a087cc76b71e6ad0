package org.nifiltx.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;

/** Rows of a weight mapped from a file are read from the file, and equal what the mapping holds. */
class TensorRowsTest {
    @Test
    void rowsOfAMappedTensorAreReadFromItsFileExactly(@TempDir final Path dir) {
        final float[] values = new float[4 * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i - 7) * 0.37f;
        }
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("first", Tensor.ofFloats(new long[] {3}, new float[] {9, 8, 7}));
        tensors.put("w", Tensor.ofFloats(new long[] {4, 5}, values));
        final Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, TensorBundle.of(tensors));
        final Tensor mapped = SafeTensors.read(file).get("w");
        assertTrue(mapped.origin().isPresent());
        try (TensorRows rows = TensorRows.of(mapped)) {
            final float[] row = new float[5];
            for (int r = 0; r < 4; r++) {
                rows.read(r * 5L, row);
                final float[] expected = new float[5];
                System.arraycopy(values, r * 5, expected, 0, 5);
                assertArrayEquals(expected, row);
            }
            final IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> rows.read(16, new float[5]));
            assertEquals("elements 16..21 of 20", e.getMessage());
        }
        // a tensor of the process's own memory reads the same way
        try (TensorRows rows = TensorRows.of(Tensor.ofFloats(new long[] {4, 5}, values))) {
            final float[] row = new float[5];
            rows.read(15, row);
            assertArrayEquals(new float[] {values[15], values[16], values[17], values[18], values[19]}, row);
        }
    }
}
