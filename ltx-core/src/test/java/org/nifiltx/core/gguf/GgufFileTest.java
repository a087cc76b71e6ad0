package org.nifiltx.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/** Header parsing, metadata accessors and tensor infos, on the fixture and on files built field by field. */
class GgufFileTest {
    @TempDir
    Path temp;

    private Path encoder() throws Exception {
        return Path.of(getClass().getResource("/fixtures/ltx-tiny/model/text_encoder.gguf").toURI());
    }

    private Path write(final String name, final byte[] bytes) throws Exception {
        final Path file = temp.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void readsTheTinyEncoderHeader() throws Exception {
        final GgufFile file = GgufFile.open(encoder());
        assertEquals(3, file.version());
        assertEquals(32, file.alignment());
        // The tensor infos end at byte 249284; the data section starts at the next multiple of 32.
        assertEquals(249312, file.dataStart());
        assertEquals(21, file.tensors().size());
        final GgufTensorInfo embedding = file.tensor("token_embd.weight");
        assertArrayEquals(new long[] {24, 320}, embedding.dims());
        assertArrayEquals(new long[] {320, 24}, embedding.shape());
        assertEquals(GgmlType.F16, embedding.type());
        assertEquals(0, embedding.offset());
        assertEquals(24 * 320 * 2, embedding.byteLength());
        final GgufTensorInfo down = file.tensor("enc.blk.1.ffn_down.weight");
        assertEquals(GgmlType.Q8_0, down.type());
        assertEquals(249312 + 39360, down.fileOffset());
        assertEquals(24 * 2 * 34, down.byteLength());
        assertEquals(Optional.empty(), file.findTensor("dec.blk.0.attn_q.weight"));
    }

    @Test
    void metadataAccessors() throws Exception {
        final GgufFile file = GgufFile.open(encoder());
        final GgufMetadata metadata = file.metadata();
        assertEquals(21, metadata.keys().size());
        assertEquals("t5encoder", metadata.getString("general.architecture"));
        assertEquals(2, metadata.getInt("t5encoder.block_count"));
        assertEquals(512L, metadata.getLong("t5encoder.context_length"));
        assertEquals(1e-6f, metadata.getFloat("t5encoder.attention.layer_norm_rms_epsilon"));
        assertTrue(metadata.getBoolean("tokenizer.ggml.add_eos_token"));
        assertFalse(metadata.getBoolean("tokenizer.ggml.add_bos_token"));
        assertEquals(Optional.of(GgufValueType.UINT32), metadata.typeOf("t5encoder.block_count"));
        assertEquals(320, metadata.getStringArray("tokenizer.ggml.tokens").size());
        assertEquals(320, metadata.getFloatArray("tokenizer.ggml.scores").length);
        assertEquals(320, metadata.getIntArray("tokenizer.ggml.token_type").length);
        assertEquals(240007, metadata.getByteArray("tokenizer.ggml.precompiled_charsmap").length);
        assertEquals(GgufValueType.UINT8, metadata.getArray("tokenizer.ggml.precompiled_charsmap").elementType());
        assertEquals(Optional.empty(), metadata.findString("general.name"));
        assertEquals(Optional.empty(), metadata.findInt("general.name"));

        final LtxException missing = assertThrows(LtxException.class, () -> metadata.getString("general.name"));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, missing.code());
        assertEquals("GGUF file " + encoder() + " lacks metadata 'general.name'", missing.getMessage());
        final LtxException wrongType = assertThrows(LtxException.class, () -> metadata.getInt("general.architecture"));
        assertEquals(LtxErrorCode.CORRUPT_FILE, wrongType.code());
        assertEquals("corrupt GGUF file " + encoder() + ": metadata 'general.architecture' is STRING, expected an integer",
                wrongType.getMessage());
        final LtxException wrongArray = assertThrows(LtxException.class,
                () -> metadata.getFloatArray("tokenizer.ggml.tokens"));
        assertEquals("corrupt GGUF file " + encoder() + ": metadata 'tokenizer.ggml.tokens' is an array of STRING, "
                + "expected floats", wrongArray.getMessage());
    }

    @Test
    void everyValueTypeAlignmentAndVersionTwo() throws Exception {
        final byte[] nested = GgufBuilder.concat(GgufBuilder.u32(9), GgufBuilder.u64(2),
                GgufBuilder.u32(4), GgufBuilder.u64(1), GgufBuilder.u32(7),
                GgufBuilder.u32(8), GgufBuilder.u64(1), GgufBuilder.string("x"));
        final byte[] floats = GgufBuilder.concat(GgufBuilder.u32(6), GgufBuilder.u64(2), GgufBuilder.f32(1.5f),
                GgufBuilder.f32(-2f));
        final byte[] int16s = GgufBuilder.concat(GgufBuilder.u32(3), GgufBuilder.u64(2), new byte[] {-2, -1, 5, 0});
        final byte[] data = GgufBuilder.concat(GgufBuilder.f32(1f), GgufBuilder.f32(2f), GgufBuilder.f32(3f),
                GgufBuilder.f32(4f));
        final Path path = write("all.gguf", new GgufBuilder().version(2).alignment(64)
                .kv("u8", 0, new byte[] {(byte) 200})
                .kv("i8", 1, new byte[] {-3})
                .kv("u16", 2, new byte[] {(byte) 0xFF, (byte) 0xFF})
                .kv("i16", 3, new byte[] {(byte) 0xFE, (byte) 0xFF})
                .kv("i32", 5, GgufBuilder.u32(-7))
                .kv("f32", 6, GgufBuilder.f32(0.5f))
                .kv("bool", 7, new byte[] {1})
                .kv("u64", 10, GgufBuilder.u64(-1))
                .kv("i64", 11, GgufBuilder.u64(-9))
                .kv("f64", 12, GgufBuilder.le(8).putDouble(0.25).array())
                .kv("floats", 9, floats)
                .kv("int16s", 9, int16s)
                .kv("nested", 9, nested)
                .tensor("w", 0, data, 2, 2)
                .tensor("k", 15, new byte[292], 256)
                .build());
        final GgufFile file = GgufFile.open(path);
        final GgufMetadata metadata = file.metadata();
        assertEquals(2, file.version());
        assertEquals(64, file.alignment());
        assertEquals(0, file.dataStart() % 64);
        assertEquals(200, metadata.getInt("u8"));
        assertEquals(-3, metadata.getInt("i8"));
        assertEquals(65535, metadata.getInt("u16"));
        assertEquals(-2, metadata.getInt("i16"));
        assertEquals(-7, metadata.getInt("i32"));
        assertEquals(0.5f, metadata.getFloat("f32"));
        assertTrue(metadata.getBoolean("bool"));
        assertEquals(-1L, metadata.getLong("u64"));
        assertEquals(-9, metadata.getInt("i64"));
        assertEquals(0.25f, metadata.getFloat("f64"));
        assertArrayEquals(new float[] {1.5f, -2f}, metadata.getFloatArray("floats"));
        assertArrayEquals(new int[] {-2, 5}, metadata.getIntArray("int16s"));
        final GgufArray outer = metadata.getArray("nested");
        assertEquals(GgufValueType.ARRAY, outer.elementType());
        @SuppressWarnings("unchecked")
        final List<GgufArray> inner = (List<GgufArray>) outer.values();
        assertArrayEquals(new long[] {7}, (long[]) inner.get(0).values());
        assertEquals(List.of("x"), inner.get(1).strings());

        final Tensor w = file.dequantize("w");
        assertArrayEquals(new long[] {2, 2}, w.shape());
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, w.toFloatArray());
        final LtxException unsupported = assertThrows(LtxException.class, () -> file.dequantize("k"));
        assertEquals(LtxErrorCode.UNSUPPORTED, unsupported.code());
        assertEquals("GGUF file " + path + ": tensor 'k' has ggml type Q8_K, which cannot be dequantized (supported: "
                + "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)", unsupported.getMessage());
    }

    @Test
    void badMagic() throws Exception {
        final byte[] bytes = Files.readAllBytes(encoder());
        bytes[3] = 'X';
        final Path path = write("magic.gguf", bytes);
        assertCorrupt(path, "bad magic 0x58554747, expected 0x46554747 (\"GGUF\")");
    }

    @Test
    void unsupportedVersion() throws Exception {
        final Path path = write("v1.gguf", new GgufBuilder().version(1).build());
        assertCorrupt(path, "unsupported GGUF version 1 (versions 2 and 3 are read)");
    }

    /** Cut inside the value of the only metadata entry: 24 header bytes, 28 key, 4 type, 8 length, then 3 of 9. */
    @Test
    void truncatedHeader() throws Exception {
        final byte[] whole = new GgufBuilder().kv("general.architecture", 8, GgufBuilder.string("t5encoder")).build();
        final Path path = write("cut.gguf", Arrays.copyOf(whole, 67));
        assertCorrupt(path, "file is truncated: reading metadata 'general.architecture' (a string of 9 bytes) needs 9 "
                + "bytes at offset 64, but the file has 67 bytes");
        assertCorrupt(write("empty.gguf", new byte[0]),
                "file is truncated: reading the magic needs 4 bytes at offset 0, but the file has 0 bytes");
    }

    /** The last tensor ends exactly at the end of the fixture (byte 290304); cutting 304 bytes leaves it short. */
    @Test
    void truncatedData() throws Exception {
        final byte[] whole = Files.readAllBytes(encoder());
        final Path path = write("short.gguf", Arrays.copyOf(whole, 290000));
        assertCorrupt(path, "tensor 'enc.blk.1.ffn_down.weight' data (offset 39360, 1632 bytes) extends beyond the end "
                + "of the file (data section has 40688 bytes)");
    }

    @Test
    void tensorOffsetBeyondFile() throws Exception {
        final Path path = write("offset.gguf", new GgufBuilder().tensorAt("w", 0, 4096, new byte[16], 4).build());
        assertCorrupt(path, "tensor 'w' data (offset 4096, 16 bytes) extends beyond the end of the file (data section "
                + "has 16 bytes)");
        final Path huge = write("huge.gguf", new GgufBuilder().tensorAt("w", 0, -32, new byte[16], 4).build());
        assertCorrupt(huge, "tensor 'w' data (offset 18446744073709551584, 16 bytes) extends beyond the end of the "
                + "file (data section has 16 bytes)");
    }

    @Test
    void unknownTypeId() throws Exception {
        assertCorrupt(write("type4.gguf", new GgufBuilder().tensor("w", 4, new byte[16], 4).build()),
                "tensor 'w' has unknown ggml type id 4");
        assertCorrupt(write("type99.gguf", new GgufBuilder().tensor("blk.0.w", 99, new byte[16], 4).build()),
                "tensor 'blk.0.w' has unknown ggml type id 99");
    }

    @Test
    void otherStructuralErrors() throws Exception {
        assertCorrupt(write("misaligned.gguf", new GgufBuilder().tensorAt("w", 0, 8, new byte[32], 4).build()),
                "tensor 'w' offset 8 is not a multiple of the alignment 32");
        assertCorrupt(write("row.gguf", new GgufBuilder().tensor("q", 8, new byte[34], 16, 2).build()),
                "tensor 'q' row length 16 is not a multiple of the Q8_0 block size 32");
        assertCorrupt(write("dims.gguf", new GgufBuilder().tensor("w", 0, new byte[4], 1, 1, 1, 1, 1).build()),
                "tensor 'w' has 5 dimensions, at most 4 are allowed");
        assertCorrupt(write("align.gguf", new GgufBuilder().kv("general.alignment", 4, GgufBuilder.u32(48)).build()),
                "general.alignment is 48, expected a power of two");
        assertCorrupt(write("dup.gguf", new GgufBuilder().kv("a", 7, new byte[] {1}).kv("a", 7, new byte[] {0}).build()),
                "duplicate metadata key 'a'");
        assertCorrupt(write("vtype.gguf", new GgufBuilder().kv("a", 13, new byte[4]).build()),
                "metadata 'a' has unknown value type 13");
        // The 15 bytes left are the zero padding up to the 32-byte aligned (empty) data section.
        assertCorrupt(write("count.gguf", new GgufBuilder().kv("a", 9,
                GgufBuilder.concat(GgufBuilder.u32(5), GgufBuilder.u64(1L << 40))).build()),
                "metadata 'a' claims 1099511627776 INT32 elements, more than the 15 bytes left can hold");
    }

    @Test
    void missingFile() {
        final Path path = temp.resolve("absent.gguf");
        final LtxException e = assertThrows(LtxException.class, () -> GgufFile.open(path));
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, e.code());
        assertEquals("GGUF file not found: " + path, e.getMessage());
    }

    private static void assertCorrupt(final Path path, final String detail) {
        final LtxException e = assertThrows(LtxException.class, () -> GgufFile.open(path));
        assertEquals(LtxErrorCode.CORRUPT_FILE, e.code());
        assertEquals("corrupt GGUF file " + path + ": " + detail, e.getMessage());
    }
}
