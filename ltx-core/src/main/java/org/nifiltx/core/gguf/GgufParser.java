package org.nifiltx.core.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Parses the GGUF header (magic, version, counts, metadata, tensor infos) from a little-endian buffer. Every length or
 * count read from the file is checked against the bytes left before anything is allocated for it, so a damaged file
 * fails with a {@link LtxErrorCode#CORRUPT_FILE} message instead of an out-of-memory error or a runtime exception.
 */
final class GgufParser {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS: a GGUF tensor has at most four dimensions. */
    private static final int MAX_DIMS = 4;
    /** Nested arrays are legal but never deep in practice; the limit keeps a damaged file from recursing without end. */
    private static final int MAX_ARRAY_DEPTH = 8;

    private final Path file;
    private final ByteBuffer buffer;
    private final long fileSize;

    /** The header as read. */
    record Header(int version, GgufMetadata metadata, List<GgufTensorInfo> tensors, long alignment, long dataStart) {
    }

    /** A tensor info before its offset is checked against the data section. */
    private record PendingInfo(String name, long[] dims, GgmlType type, long offset) {
    }

    private GgufParser(final Path file, final ByteBuffer buffer, final long fileSize) {
        this.file = file;
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.fileSize = fileSize;
    }

    /** Parses {@code buffer}, the file's first bytes (all of them, or the first 2 GiB of a larger file). */
    static Header parse(final Path file, final ByteBuffer buffer, final long fileSize) {
        return new GgufParser(file, buffer, fileSize).parseHeader();
    }

    static LtxException corrupt(final Path file, final String detail) {
        return new LtxException(LtxErrorCode.CORRUPT_FILE, "corrupt GGUF file " + file + ": " + detail);
    }

    private Header parseHeader() {
        final int magic = (int) readUnsigned(4, "the magic");
        if (magic != MAGIC) {
            throw corrupt(file, String.format("bad magic 0x%08X, expected 0x%08X (\"GGUF\")", magic, MAGIC));
        }
        final long version = readUnsigned(4, "the version");
        if (version != 2 && version != 3) {
            throw corrupt(file, "unsupported GGUF version " + version + " (versions 2 and 3 are read)");
        }
        final long tensorCount = readUnsigned(8, "the tensor count");
        final long metadataCount = readUnsigned(8, "the metadata count");
        final Map<String, Object> values = new LinkedHashMap<>();
        final Map<String, GgufValueType> types = new LinkedHashMap<>();
        for (long i = 0; Long.compareUnsigned(i, metadataCount) < 0; i++) {
            final String key = readString("metadata key " + i);
            final GgufValueType type = readValueType("metadata '" + key + "'");
            final Object value = readValue(type, "metadata '" + key + "'", 0);
            if (values.put(key, value) != null) {
                throw corrupt(file, "duplicate metadata key '" + key + "'");
            }
            types.put(key, type);
        }
        final GgufMetadata metadata = new GgufMetadata(file, values, types);
        final long alignment = alignment(values, types);
        final List<PendingInfo> pending = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (long i = 0; Long.compareUnsigned(i, tensorCount) < 0; i++) {
            final String name = readString("tensor info " + i + " name");
            if (!seen.add(name)) {
                throw corrupt(file, "duplicate tensor '" + name + "'");
            }
            final long dimCount = readUnsigned(4, "tensor '" + name + "' dimension count");
            if (dimCount > MAX_DIMS) {
                throw corrupt(file, "tensor '" + name + "' has " + dimCount + " dimensions, at most " + MAX_DIMS
                        + " are allowed");
            }
            final long[] dims = new long[(int) dimCount];
            for (int d = 0; d < dims.length; d++) {
                dims[d] = readUnsigned(8, "tensor '" + name + "' dimension " + d);
            }
            final long typeId = readUnsigned(4, "tensor '" + name + "' type");
            final GgmlType type = GgmlType.fromId(typeId)
                    .orElseThrow(() -> corrupt(file, "tensor '" + name + "' has unknown ggml type id " + typeId));
            pending.add(new PendingInfo(name, dims, type, readUnsigned(8, "tensor '" + name + "' offset")));
        }
        // The data section starts after the tensor infos, so offsets can only be checked once all are read.
        final long dataStart = alignUp(buffer.position(), alignment);
        final List<GgufTensorInfo> infos = new ArrayList<>();
        for (final PendingInfo info : pending) {
            infos.add(checkedInfo(info.name(), info.dims(), info.type(), info.offset(), alignment, dataStart));
        }
        return new Header((int) version, metadata, infos, alignment, dataStart);
    }

    private long alignment(final Map<String, Object> values, final Map<String, GgufValueType> types) {
        if (!values.containsKey(ALIGNMENT_KEY)) {
            return DEFAULT_ALIGNMENT;
        }
        if (types.get(ALIGNMENT_KEY) != GgufValueType.UINT32) {
            throw corrupt(file, ALIGNMENT_KEY + " is " + types.get(ALIGNMENT_KEY) + ", expected UINT32");
        }
        final long alignment = (Long) values.get(ALIGNMENT_KEY);
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
            throw corrupt(file, ALIGNMENT_KEY + " is " + alignment + ", expected a power of two");
        }
        return alignment;
    }

    private GgufTensorInfo checkedInfo(final String name, final long[] dims, final GgmlType type, final long offset,
            final long alignment, final long dataStart) {
        long elements = 1;
        for (final long d : dims) {
            if (d < 0) {
                throw corrupt(file, "tensor '" + name + "' dimension " + Long.toUnsignedString(d) + " is too large");
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (final ArithmeticException e) {
                throw corrupt(file, "tensor '" + name + "' has more than 2^63 elements");
            }
        }
        final long rowLength = dims.length == 0 ? 1 : dims[0];
        if (rowLength % type.blockSize() != 0) {
            throw corrupt(file, "tensor '" + name + "' row length " + rowLength + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        if (offset >= 0 && offset % alignment != 0) {
            throw corrupt(file, "tensor '" + name + "' offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        final long byteLength;
        try {
            byteLength = type.byteLength(elements);
        } catch (final ArithmeticException e) {
            throw corrupt(file, "tensor '" + name + "' is too large");
        }
        final long available = fileSize - dataStart;
        if (offset < 0 || offset > available || byteLength > available - offset) {
            throw corrupt(file, "tensor '" + name + "' data (offset " + Long.toUnsignedString(offset) + ", " + byteLength
                    + " bytes) extends beyond the end of the file (data section has " + Math.max(available, 0)
                    + " bytes)");
        }
        return new GgufTensorInfo(name, dims, type, offset, dataStart + offset, byteLength);
    }

    static long alignUp(final long position, final long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    private GgufValueType readValueType(final String context) {
        final long id = readUnsigned(4, context + " type");
        return GgufValueType.fromId(id).orElseThrow(() -> corrupt(file, context + " has unknown value type " + id));
    }

    private Object readValue(final GgufValueType type, final String context, final int depth) {
        return switch (type) {
            case UINT8, UINT16, UINT32, UINT64 -> readUnsigned(type.minimumBytes(), context);
            case INT8 -> (long) buffer.get(require(1, context));
            case INT16 -> (long) buffer.getShort(require(2, context));
            case INT32 -> (long) buffer.getInt(require(4, context));
            case INT64 -> buffer.getLong(require(8, context));
            case FLOAT32 -> buffer.getFloat(require(4, context));
            case FLOAT64 -> buffer.getDouble(require(8, context));
            case BOOL -> buffer.get(require(1, context)) != 0;
            case STRING -> readString(context);
            case ARRAY -> readArray(context, depth + 1);
        };
    }

    private GgufArray readArray(final String context, final int depth) {
        if (depth > MAX_ARRAY_DEPTH) {
            throw corrupt(file, context + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        }
        final GgufValueType elementType = readValueType(context + " element");
        final long count = readUnsigned(8, context + " length");
        final long remaining = buffer.remaining();
        if (count < 0 || count > remaining / elementType.minimumBytes()) {
            throw corrupt(file, context + " claims " + Long.toUnsignedString(count) + " " + elementType
                    + " elements, more than the " + remaining + " bytes left can hold");
        }
        final int n = (int) count;
        final Object values = switch (elementType) {
            case UINT8, INT8, BOOL -> {
                final byte[] bytes = new byte[n];
                buffer.get(bytes);
                yield bytes;
            }
            case FLOAT32 -> {
                final float[] floats = new float[n];
                buffer.asFloatBuffer().get(floats);
                buffer.position(buffer.position() + 4 * n);
                yield floats;
            }
            case FLOAT64 -> {
                final double[] doubles = new double[n];
                buffer.asDoubleBuffer().get(doubles);
                buffer.position(buffer.position() + 8 * n);
                yield doubles;
            }
            case STRING, ARRAY -> {
                final List<Object> items = new ArrayList<>(Math.min(n, 1 << 16));
                for (int i = 0; i < n; i++) {
                    items.add(readValue(elementType, context + " element " + i, depth));
                }
                yield List.copyOf(items);
            }
            default -> {
                final long[] longs = new long[n];
                for (int i = 0; i < n; i++) {
                    longs[i] = (Long) readValue(elementType, context, depth);
                }
                yield longs;
            }
        };
        return new GgufArray(elementType, n, values);
    }

    private String readString(final String context) {
        final long length = readUnsigned(8, context + " length");
        if (length < 0 || length > buffer.remaining()) {
            throw truncated(context + " (a string of " + Long.toUnsignedString(length) + " bytes)", length);
        }
        final byte[] bytes = new byte[(int) length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Reads an unsigned little-endian integer of 1, 2, 4 or 8 bytes (8-byte values keep their raw bits). */
    private long readUnsigned(final int bytes, final String context) {
        final int at = require(bytes, context);
        return switch (bytes) {
            case 1 -> buffer.get(at) & 0xFFL;
            case 2 -> buffer.getShort(at) & 0xFFFFL;
            case 4 -> buffer.getInt(at) & 0xFFFFFFFFL;
            default -> buffer.getLong(at);
        };
    }

    /** Checks {@code bytes} are left, advances past them and returns where they start. */
    private int require(final int bytes, final String context) {
        if (buffer.remaining() < bytes) {
            throw truncated(context, bytes);
        }
        final int at = buffer.position();
        buffer.position(at + bytes);
        return at;
    }

    private LtxException truncated(final String context, final long bytes) {
        return corrupt(file, "file is truncated: reading " + context + " needs " + Long.toUnsignedString(bytes)
                + " bytes at offset " + buffer.position() + ", but the file has " + fileSize + " bytes");
    }
}
