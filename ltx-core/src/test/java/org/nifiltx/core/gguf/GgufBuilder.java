package org.nifiltx.core.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.testing.GgufBytes;

/** Writes small GGUF files byte by byte, so tests control every field (including wrong ones). */
final class GgufBuilder {
    private final ByteArrayOutputStream metadata = new ByteArrayOutputStream();
    private final List<byte[]> tensorInfos = new ArrayList<>();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private int metadataCount;
    private int alignment = 32;
    private int version = 3;

    GgufBuilder version(final int newVersion) {
        this.version = newVersion;
        return this;
    }

    /** Adds a raw metadata entry: key, value type id and the already encoded value. */
    GgufBuilder kv(final String key, final int type, final byte[] value) {
        write(metadata, string(key));
        write(metadata, u32(type));
        write(metadata, value);
        metadataCount++;
        return this;
    }

    GgufBuilder alignment(final int newAlignment) {
        this.alignment = newAlignment;
        return kv("general.alignment", 4, u32(newAlignment));
    }

    /** Adds a tensor whose data follows the previous one (padded to the alignment). */
    GgufBuilder tensor(final String name, final int type, final byte[] bytes, final long... dims) {
        while (data.size() % alignment != 0) {
            data.write(0);
        }
        return tensorAt(name, type, data.size(), bytes, dims);
    }

    /** Adds a tensor info with an explicit offset; the bytes are appended to the data section as they are. */
    GgufBuilder tensorAt(final String name, final int type, final long offset, final byte[] bytes, final long... dims) {
        final ByteArrayOutputStream info = new ByteArrayOutputStream();
        write(info, string(name));
        write(info, u32(dims.length));
        for (final long d : dims) {
            write(info, u64(d));
        }
        write(info, u32(type));
        write(info, u64(offset));
        tensorInfos.add(info.toByteArray());
        write(data, bytes);
        return this;
    }

    byte[] build() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, "GGUF".getBytes(StandardCharsets.US_ASCII));
        write(out, u32(version));
        write(out, u64(tensorInfos.size()));
        write(out, u64(metadataCount));
        write(out, metadata.toByteArray());
        for (final byte[] info : tensorInfos) {
            write(out, info);
        }
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        write(out, data.toByteArray());
        return out.toByteArray();
    }

    static byte[] string(final String value) {
        return GgufBytes.string(value);
    }

    static byte[] u32(final long value) {
        return GgufBytes.u32(value);
    }

    static byte[] u64(final long value) {
        return GgufBytes.u64(value);
    }

    static byte[] f32(final float value) {
        return GgufBytes.f32(value);
    }

    static byte[] f16(final float value) {
        return GgufBytes.f16(value);
    }

    static ByteBuffer le(final int size) {
        return GgufBytes.le(size);
    }

    static byte[] concat(final byte[]... parts) {
        return GgufBytes.concat(parts);
    }

    private static void write(final ByteArrayOutputStream out, final byte[] bytes) {
        out.write(bytes, 0, bytes.length);
    }
}
