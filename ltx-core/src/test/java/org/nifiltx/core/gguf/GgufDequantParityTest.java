package org.nifiltx.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Every ggml type of cases/gguf_dequant against gguf-py's float32 dequantization of the same blocks. */
class GgufDequantParityTest {
    private static final String CASE = "/fixtures/ltx-tiny/cases/gguf_dequant/";

    private Path resource(final String name) throws Exception {
        return Path.of(getClass().getResource(CASE + name).toURI());
    }

    @Test
    void everyTypeMatchesGgufPy() throws Exception {
        final JsonNode params = new ObjectMapper().readTree(resource("params.json").toFile());
        final GgufFile file = GgufFile.open(resource("quant_types.gguf"));
        final TensorBundle expected = SafeTensors.read(resource("outputs.safetensors"));
        final Set<GgmlType> covered = new HashSet<>();
        for (final JsonNode entry : params.get("tensors")) {
            final String name = entry.get("tensor").asText();
            final GgmlType type = GgmlType.valueOf(entry.get("type").asText());
            final GgufTensorInfo info = file.tensor(name);
            assertEquals(type, info.type(), name);
            final Tensor actual = file.dequantize(info);
            final long[] shape = {entry.get("shape").get(0).asLong(), entry.get("shape").get(1).asLong()};
            assertArrayEquals(shape, actual.shape(), name);
            final float[] reference = expected.get(name).toFloatArray();
            final float[] values = actual.toFloatArray();
            assertEquals(reference.length, values.length, name);
            double maxAbs = 0;
            double maxErr = 0;
            for (int i = 0; i < values.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(reference[i]));
                maxErr = Math.max(maxErr, Math.abs((double) values[i] - reference[i]));
            }
            System.out.printf("gguf_dequant %-8s max|ref| %.6g max abs err %.3g%n", type, maxAbs, maxErr);
            assertTrue(maxAbs > 0, name + " reference is all zeros");
            assertTrue(maxErr <= 1e-6 * maxAbs, name + ": max abs error " + maxErr + " > 1e-6 * " + maxAbs);
            covered.add(type);
        }
        assertEquals(13, covered.size(), "params.json lists the 13 dequantizable types");
    }
}
