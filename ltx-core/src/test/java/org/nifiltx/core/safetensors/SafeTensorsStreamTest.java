package org.nifiltx.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** {@link SafeTensors#read(InputStream, long, String, java.util.function.Consumer)}: FlowFile content, never held whole. */
class SafeTensorsStreamTest {
    private static final String CONTENT = "<content>";

    /** Counts what was consumed, to prove a refused header stops the read before the data. */
    private static final class CountingStream extends ByteArrayInputStream {
        CountingStream(final byte[] bytes) {
            super(bytes);
        }

        int consumed() {
            return pos;
        }
    }

    private static byte[] bytes(final TensorBundle bundle) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(out, bundle);
        return out.toByteArray();
    }

    private static TensorBundle read(final byte[] content) {
        return SafeTensors.read(new ByteArrayInputStream(content), content.length, CONTENT, header -> { });
    }

    @Test
    void readsEveryTensorAndTheMetadata() throws IOException {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.ofFloats(new long[] {2, 3}, new float[] {1f, -2f, 3f, 4f, 5.5f, 6f}));
        tensors.put("b", Tensor.ofLongs(new long[] {2}, new long[] {7, -8}));
        final TensorBundle back = read(bytes(new TensorBundle(tensors, Map.of("ltx.compat", "OFFICIAL"))));
        assertEquals(List.of("a", "b"), List.copyOf(back.names()));
        assertArrayEquals(new float[] {1f, -2f, 3f, 4f, 5.5f, 6f}, back.get("a").toFloatArray());
        assertArrayEquals(new long[] {7, -8}, back.get("b").toLongArray());
        assertEquals(Map.of("ltx.compat", "OFFICIAL"), back.metadata());
    }

    @Test
    void dataStoredInAnotherOrderThanTheHeaderNamesIt() {
        // header lists "second" first, but its bytes come after "first"'s
        final String header = "{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"first\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        final byte[] h = header.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putFloat(1f).putFloat(2f);
        final TensorBundle back = read(b.array());
        assertEquals(List.of("second", "first"), List.copyOf(back.names()));
        assertArrayEquals(new float[] {2f}, back.get("second").toFloatArray());
        assertArrayEquals(new float[] {1f}, back.get("first").toFloatArray());
    }

    @Test
    void aRefusedHeaderStopsBeforeAnyDataIsRead() throws IOException {
        final byte[] content = bytes(TensorBundle.of(Map.of("big", Tensor.ofFloats(new long[] {1000}, new float[1000]))));
        final CountingStream in = new CountingStream(content);
        final LtxException e = assertThrows(LtxException.class, () -> SafeTensors.read(in, content.length, CONTENT, header -> {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "too big: " + header.entries().get(0).length() + " bytes");
        }));
        assertEquals("too big: 4000 bytes", e.getMessage());
        assertEquals(content.length - 4000, in.consumed());
    }

    @Test
    void foreignContentFailsAtTheHeaderLength() {
        // the first bytes of a PNG and of an MP4 read as a little-endian header length far beyond the content
        final byte[] png = Arrays.copyOf(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 64);
        final LtxException e = assertThrows(LtxException.class, () -> read(png));
        assertEquals(LtxErrorCode.CORRUPT_FILE, e.code());
        assertEquals("corrupt safetensors file <content>: header length 727905341920923785 is beyond the file size 64 "
                + "(or outside 2..104857600)", e.getMessage());
        final byte[] mp4 = Arrays.copyOf(new byte[] {0, 0, 0, 0x20, 'f', 't', 'y', 'p'}, 64);
        assertTrue(assertThrows(LtxException.class, () -> read(mp4)).getMessage().startsWith(
                "corrupt safetensors file <content>: header length 8104636986402275328 is beyond"));
    }

    @Test
    void contentShorterThanItsDeclaredSize() throws IOException {
        final byte[] content = bytes(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {4}, new float[] {1f, 2f, 3f, 4f}))));
        final byte[] truncated = Arrays.copyOf(content, content.length - 3);
        final LtxException e = assertThrows(LtxException.class,
                () -> SafeTensors.read(new ByteArrayInputStream(truncated), content.length, CONTENT, header -> { }));
        assertEquals(LtxErrorCode.CORRUPT_FILE, e.code());
        assertEquals("corrupt safetensors file <content>: content ended before its declared " + content.length + " bytes",
                e.getMessage());
    }

    @Test
    void aHeaderWhoseTensorsDoNotFillTheContent() throws IOException {
        final byte[] content = bytes(TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {2}, new float[] {1f, 2f}))));
        final byte[] longer = Arrays.copyOf(content, content.length + 4);
        final LtxException e = assertThrows(LtxException.class, () -> read(longer));
        assertEquals("corrupt safetensors file <content>: tensor data ends at byte 8 but the file holds 12 data bytes",
                e.getMessage());
    }
}
