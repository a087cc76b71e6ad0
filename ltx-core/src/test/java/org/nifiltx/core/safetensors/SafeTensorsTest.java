package org.nifiltx.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file from a literal header and data bytes, as a broken writer might produce. */
    private Path raw(final String header, final int dataBytes) throws IOException {
        final byte[] h = header.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        final Path file = dir.resolve("t.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private LtxException corrupt(final Path file) {
        final LtxException e = assertThrows(LtxException.class, () -> SafeTensors.read(file));
        assertEquals(LtxErrorCode.CORRUPT_FILE, e.code());
        return e;
    }

    @Test
    void roundTripsEveryDtypeAndMetadata() {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("f32", Tensor.ofFloats(new long[] {2, 2}, new float[] {1f, -2f, 3.5f, 0f}));
        tensors.put("i64", Tensor.ofLongs(new long[] {3}, new long[] {1, -2, Long.MAX_VALUE}));
        tensors.put("i32", Tensor.ofInts(new long[] {1}, new int[] {-7}));
        tensors.put("u8", Tensor.ofBytes(DType.U8, new long[] {2}, new byte[] {(byte) 255, 3}));
        tensors.put("bool", Tensor.ofBytes(DType.BOOL, new long[] {2}, new byte[] {1, 0}));
        final short bf = FloatFormats.floatToBf16(1.5f);
        final short hf = FloatFormats.floatToF16(-2.25f);
        tensors.put("bf16", Tensor.ofBytes(DType.BF16, new long[] {1}, new byte[] {(byte) bf, (byte) (bf >> 8)}));
        tensors.put("f16", Tensor.ofBytes(DType.F16, new long[] {1}, new byte[] {(byte) hf, (byte) (hf >> 8)}));
        tensors.put("f8e4m3", Tensor.ofBytes(DType.F8_E4M3, new long[] {2}, new byte[] {0x38, (byte) 0xC4}));
        tensors.put("f8e5m2", Tensor.ofBytes(DType.F8_E5M2, new long[] {1}, new byte[] {0x3C}));
        tensors.put("scalar", Tensor.ofFloats(new long[0], new float[] {42f}));
        final Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, new TensorBundle(tensors, Map.of("config", "{\"a\": 1}", "format", "pt")));

        final TensorBundle back = SafeTensors.read(file);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.names()));
        assertEquals(Map.of("config", "{\"a\": 1}", "format", "pt"), back.metadata());
        for (final String name : tensors.keySet()) {
            assertEquals(tensors.get(name).dtype(), back.get(name).dtype(), name);
            assertArrayEquals(tensors.get(name).shape(), back.get(name).shape(), name);
            assertArrayEquals(tensors.get(name).toByteArray(), back.get(name).toByteArray(), name);
        }
        assertArrayEquals(new float[] {1.5f}, back.get("bf16").toFloatArray());
        assertArrayEquals(new float[] {-2.25f}, back.get("f16").toFloatArray());
        // e4m3: 0x38 = 2^(7-7) * 1 = 1.0; 0xC4 = -(1 + 4/8) * 2^(8-7) = -3.0. e5m2: 0x3C = 1.0
        assertArrayEquals(new float[] {1f, -3f}, back.get("f8e4m3").toFloatArray());
        assertArrayEquals(new float[] {1f}, back.get("f8e5m2").toFloatArray());
        assertArrayEquals(new long[] {1, -2, Long.MAX_VALUE}, back.get("i64").toLongArray());
    }

    @Test
    void headerIsPaddedToEightBytes() throws IOException {
        final Path file = dir.resolve("pad.safetensors");
        SafeTensors.write(file, TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1f}))));
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, b.getLong(0) % 8);
    }

    @Test
    void streamWriteEqualsFileWrite() throws IOException {
        final TensorBundle bundle = TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {2}, new float[] {1f, 2f})));
        final Path file = dir.resolve("f.safetensors");
        SafeTensors.write(file, bundle);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(out, bundle);
        assertArrayEquals(Files.readAllBytes(file), out.toByteArray());
    }

    @Test
    void inMemoryReadEqualsFileReadAndNamesTheSource() throws IOException {
        final Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, new TensorBundle(Map.of("x", Tensor.ofFloats(new long[] {2}, new float[] {1f, -2f})), Map.of("k", "v")));
        final TensorBundle fromBytes = SafeTensors.read(Files.readAllBytes(file), "<content>");
        assertArrayEquals(new float[] {1f, -2f}, fromBytes.get("x").toFloatArray());
        assertEquals(Map.of("k", "v"), fromBytes.metadata());
        final LtxException e = assertThrows(LtxException.class, () -> SafeTensors.read(new byte[] {1, 2}, "<content>"));
        assertEquals("corrupt safetensors file <content>: file is 2 bytes, too short for the 8-byte header length", e.getMessage());
    }

    @Test
    void fileTooShort() throws IOException {
        final Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        assertEquals("corrupt safetensors file " + file + ": file is 3 bytes, too short for the 8-byte header length",
                corrupt(file).getMessage());
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        final Path file = dir.resolve("long.safetensors");
        Files.write(file, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertEquals("corrupt safetensors file " + file + ": header length 1000 is beyond the file size 12 (or outside 2..104857600)",
                corrupt(file).getMessage());
    }

    @Test
    void headerNotJson() throws IOException {
        final Path file = raw("{\"a\": [1, 2", 0);
        assertEquals("corrupt safetensors file " + file + ": header is not valid JSON: Unexpected end-of-input: expected close marker for Array (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 7])",
                corrupt(file).getMessage());
    }

    @Test
    void headerNotAnObject() throws IOException {
        final Path file = raw("[1, 2, 3]", 0);
        assertEquals("corrupt safetensors file " + file + ": header is not a JSON object", corrupt(file).getMessage());
    }

    @Test
    void unknownDtype() throws IOException {
        final Path file = raw("{\"w\": {\"dtype\": \"F12\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4);
        assertEquals("corrupt safetensors file " + file + ": tensor 'w': unknown dtype 'F12' (known: F64, F32, F16, BF16, "
                + "F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL)", corrupt(file).getMessage());
    }

    @Test
    void shapeTimesDtypeDiffersFromByteLength() throws IOException {
        final Path file = raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}", 20);
        assertEquals("corrupt safetensors file " + file + ": tensor 'w': shape [2, 3] x F32 is 24 bytes but data_offsets span 20",
                corrupt(file).getMessage());
    }

    @Test
    void overlappingOffsets() throws IOException {
        final Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
        assertEquals("corrupt safetensors file " + file + ": tensor 'b': data_offsets [4, 12] overlap the previous tensor, which ends at 8",
                corrupt(file).getMessage());
    }

    @Test
    void offsetsLeavingAHole() throws IOException {
        final Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8);
        assertEquals("corrupt safetensors file " + file + ": tensor 'a': data_offsets start at 4 leaving a hole after byte 0 "
                + "(offsets out of order)", corrupt(file).getMessage());
    }

    @Test
    void offsetsEndingBeforeTheyStart() throws IOException {
        final Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 8);
        assertEquals("corrupt safetensors file " + file + ": tensor 'a': data_offsets [8, 4] end before they start",
                corrupt(file).getMessage());
    }

    @Test
    void offsetsBeyondFile() throws IOException {
        final Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8);
        assertEquals("corrupt safetensors file " + file + ": tensor 'a': data_offsets [0, 16] reach beyond the end of the data (8 bytes)",
                corrupt(file).getMessage());
    }

    @Test
    void trailingBytesAfterLastTensor() throws IOException {
        final Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8);
        assertEquals("corrupt safetensors file " + file + ": tensor data ends at byte 4 but the file holds 8 data bytes",
                corrupt(file).getMessage());
    }

    @Test
    void duplicateNames() throws IOException {
        final Path file = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8);
        assertEquals("corrupt safetensors file " + file + ": duplicate tensor name in header: 'a'", corrupt(file).getMessage());
    }

    @Test
    void negativeShapeAndNonStringMetadata() throws IOException {
        final Path negative = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4);
        assertEquals("corrupt safetensors file " + negative + ": tensor 'a': shape holds '-1', not a non-negative integer",
                corrupt(negative).getMessage());
        final Path metadata = raw("{\"__metadata__\": {\"n\": 3}}", 0);
        assertEquals("corrupt safetensors file " + metadata + ": __metadata__ value 'n' is not a string", corrupt(metadata).getMessage());
    }

    @Test
    void missingFile() {
        final Path file = dir.resolve("absent.safetensors");
        final LtxException e = assertThrows(LtxException.class, () -> SafeTensors.read(file));
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, e.code());
        assertEquals("safetensors file not found: " + file, e.getMessage());
    }
}
