package org.nifiltx.core.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** GGUF's little-endian encodings of strings and numbers, for tests that write GGUF files. */
public final class GgufBytes {
    private GgufBytes() {
    }

    /** A GGUF string: u64 byte length, then UTF-8 bytes. */
    public static byte[] string(final String value) {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return concat(u64(bytes.length), bytes);
    }

    public static byte[] u32(final long value) {
        return le(4).putInt((int) value).array();
    }

    public static byte[] u64(final long value) {
        return le(8).putLong(value).array();
    }

    public static byte[] f32(final float value) {
        return le(4).putFloat(value).array();
    }

    public static byte[] f16(final float value) {
        return le(2).putShort(Float.floatToFloat16(value)).array();
    }

    public static ByteBuffer le(final int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static byte[] concat(final byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
