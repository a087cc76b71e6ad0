package org.nifiltx.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

class SafeTensorsAppenderTest {
    private static final Tensor A = Tensor.ofFloats(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 7, -0.25f});
    private static final Tensor B = Tensor.ofBytes(DType.I8, new long[] {5}, new byte[] {1, -1, 127, -127, 0});
    private static final Tensor C = Tensor.ofFloats(new long[] {1}, new float[] {42});

    @Test
    void tensorsAreReadableFromTheFileAsSoonAsAppendedAndTheFinishedFileIsOrdinarySafetensors(@TempDir final Path dir) {
        final Path file = dir.resolve("w.safetensors");
        try (SafeTensorsAppender appender = SafeTensorsAppender.create(file, 1000)) {
            final Tensor a = appender.append("a", A);
            final Tensor b = appender.append("b", B);
            assertArrayEquals(A.toFloatArray(), a.toFloatArray());
            assertArrayEquals(B.toByteArray(), b.toByteArray());
            // read back from the file: where the bytes are, so a runtime can map them itself
            assertEquals(file.toAbsolutePath(), a.origin().orElseThrow().file());
            assertEquals(8 + 1000 + 24, b.origin().orElseThrow().offset());
            appender.append("c", C);
            assertTrue(appender.finish(Map.of("kind", "test")));
        }
        final TensorBundle read = SafeTensors.read(file);
        assertEquals(List.of("a", "b", "c"), List.copyOf(read.tensors().keySet()));
        assertEquals(Map.of("kind", "test"), read.metadata());
        assertArrayEquals(A.toFloatArray(), read.get("a").toFloatArray());
        assertArrayEquals(B.toByteArray(), read.get("b").toByteArray());
        assertArrayEquals(C.toFloatArray(), read.get("c").toFloatArray());
        assertEquals(1000, SafeTensors.readHeader(file).dataStart() - 8);
    }

    @Test
    void aHeaderLargerThanItsReservationIsRefusedNotTruncated(@TempDir final Path dir) {
        final Path file = dir.resolve("w.safetensors");
        try (SafeTensorsAppender appender = SafeTensorsAppender.create(file, 16)) {
            appender.append("a", A);
            assertFalse(appender.finish(Map.of()));
        }
        // unfinished: the reserved header is zeros, which no reader takes for a header
        final LtxException e = assertThrows(LtxException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().startsWith("corrupt safetensors file " + file), e.getMessage());
    }

    @Test
    void aNameIsAppendedOnce(@TempDir final Path dir) {
        try (SafeTensorsAppender appender = SafeTensorsAppender.create(dir.resolve("w.safetensors"), 256)) {
            appender.append("a", A);
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> appender.append("a", B));
            assertTrue(e.getMessage().startsWith("tensor 'a' is already in "), e.getMessage());
        }
    }
}
