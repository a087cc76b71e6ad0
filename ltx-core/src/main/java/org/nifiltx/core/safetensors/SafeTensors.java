package org.nifiltx.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FileRegion;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the tensor bytes. Reading memory-maps each tensor (zero copy) after checking the
 * whole header; every structural problem is an {@link LtxErrorCode#CORRUPT_FILE} error naming the file and tensor.
 */
public final class SafeTensors {
    /** Headers larger than this are refused, as the reference implementation does. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensors() {
    }

    /** Reads every tensor of {@code file}, memory-mapped. */
    public static TensorBundle read(final Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final Header header = readHeader(file, channel);
            final Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (final Entry entry : header.entries()) {
                final ByteBuffer bytes = entry.length() == 0 ? ByteBuffer.allocate(0)
                        : channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + entry.start(), entry.length());
                tensors.put(entry.name(), new Tensor(entry.dtype(), entry.shape(), bytes.order(ByteOrder.LITTLE_ENDIAN),
                        new FileRegion(file, header.dataStart() + entry.start())));
            }
            return new TensorBundle(tensors, header.metadata());
        } catch (final NoSuchFileException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "safetensors file not found: " + file, e);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a safetensors image held in memory (a FlowFile's content); {@code sourceName} stands for the file in error
     * messages. Tensors are views of {@code bytes}, not copies.
     */
    public static TensorBundle read(final byte[] bytes, final String sourceName) {
        try {
            final Header header = readHeader(sourceName, new Source() {
                @Override
                public long size() {
                    return bytes.length;
                }

                @Override
                public void read(final ByteBuffer destination, final long position) {
                    destination.put(bytes, (int) position, destination.remaining());
                }
            });
            final Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (final Entry entry : header.entries()) {
                final ByteBuffer slice = ByteBuffer.wrap(bytes, (int) (header.dataStart() + entry.start()), (int) entry.length()).slice();
                tensors.put(entry.name(), new Tensor(entry.dtype(), entry.shape(), slice.order(ByteOrder.LITTLE_ENDIAN)));
            }
            return new TensorBundle(tensors, header.metadata());
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "cannot read " + sourceName + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a safetensors stream of known length (a FlowFile's content) without ever holding it whole. The header is
     * read and validated first (its length bounded by {@code size}, the tensors tiling exactly the remaining bytes), then
     * {@code accept} sees it and may refuse it (throw) before a single data byte is allocated; each tensor is then read
     * straight into its own buffer. Foreign content (an MP4, a PNG) fails at the header length, oversized content in
     * {@code accept}, truncated content with the byte it ended at.
     */
    public static TensorBundle read(final InputStream in, final long size, final String sourceName, final Consumer<Header> accept) {
        try {
            final ReadableByteChannel channel = Channels.newChannel(in);
            final Header header = readHeader(sourceName, new Source() {
                private long position;

                @Override
                public long size() {
                    return size;
                }

                @Override
                public void read(final ByteBuffer destination, final long at) throws IOException {
                    // the header is read in order, once: 8 bytes of length, then the JSON
                    if (at != position) {
                        throw new IOException("stream read out of order at byte " + at);
                    }
                    position += readStream(channel, destination, sourceName, size);
                }
            });
            accept.accept(header);
            final List<Entry> inDataOrder = new ArrayList<>(header.entries());
            inDataOrder.sort(Comparator.comparingLong(Entry::start));
            final Map<String, Tensor> byName = new LinkedHashMap<>();
            for (final Entry entry : inDataOrder) {
                final ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(entry.length())).order(ByteOrder.LITTLE_ENDIAN);
                readStream(channel, data, sourceName, size);
                byName.put(entry.name(), new Tensor(entry.dtype(), entry.shape(), data.flip()));
            }
            final Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (final Entry entry : header.entries()) {
                tensors.put(entry.name(), byName.get(entry.name()));
            }
            return new TensorBundle(tensors, header.metadata());
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "cannot read " + sourceName + ": " + e.getMessage(), e);
        }
    }

    /** Fills {@code destination} from the stream; a stream shorter than it said it was is corrupt content. */
    private static int readStream(final ReadableByteChannel channel, final ByteBuffer destination, final String sourceName,
            final long size) throws IOException {
        int total = 0;
        while (destination.hasRemaining()) {
            final int n = channel.read(destination);
            if (n < 0) {
                throw corrupt(sourceName, "content ended before its declared " + size + " bytes");
            }
            total += n;
        }
        return total;
    }

    /** Reads only the header: names, dtypes, shapes and metadata, without mapping any data. */
    public static Header readHeader(final Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, channel);
        } catch (final NoSuchFileException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "safetensors file not found: " + file, e);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Positional reads from a file or from bytes in memory. */
    private interface Source {
        long size() throws IOException;

        void read(ByteBuffer destination, long position) throws IOException;
    }

    private static Header readHeader(final Path file, final FileChannel channel) throws IOException {
        return readHeader(file.toString(), new Source() {
            @Override
            public long size() throws IOException {
                return channel.size();
            }

            @Override
            public void read(final ByteBuffer destination, final long position) throws IOException {
                readFully(channel, destination, position);
            }
        });
    }

    private static Header readHeader(final String file, final Source source) throws IOException {
        final long fileSize = source.size();
        if (fileSize < 8) {
            throw corrupt(file, "file is " + fileSize + " bytes, too short for the 8-byte header length");
        }
        final ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.read(lengthBytes, 0);
        final long headerLength = lengthBytes.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
            throw corrupt(file, "header length " + Long.toUnsignedString(headerLength) + " is beyond the file size "
                    + fileSize + " (or outside 2.." + MAX_HEADER_BYTES + ")");
        }
        final ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        source.read(headerBytes, 8);
        final JsonNode root = parseJson(file, headerBytes.array());
        final long dataStart = 8 + headerLength;
        return parseHeader(file, root, dataStart, fileSize - dataStart);
    }

    private static void readFully(final FileChannel channel, final ByteBuffer buffer, final long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            final int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            at += n;
        }
    }

    private static JsonNode parseJson(final String file, final byte[] bytes) {
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (final CharacterCodingException e) {
            throw corrupt(file, "header is not valid UTF-8");
        }
        try {
            final JsonNode root = JSON.readTree(text);
            if (root == null || !root.isObject()) {
                throw corrupt(file, "header is not a JSON object");
            }
            return root;
        } catch (final JsonProcessingException e) {
            final String detail = e.getOriginalMessage();
            if (detail != null && detail.startsWith("Duplicate field")) {
                throw corrupt(file, "duplicate tensor name in header: " + detail.substring("Duplicate field".length()).trim());
            }
            throw corrupt(file, "header is not valid JSON: " + detail);
        }
    }

    private static Header parseHeader(final String file, final JsonNode root, final long dataStart, final long dataLength) {
        final Map<String, String> metadata = new LinkedHashMap<>();
        final List<Entry> entries = new ArrayList<>();
        final Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            final Map.Entry<String, JsonNode> field = fields.next();
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(parseEntry(file, field.getKey(), field.getValue()));
            }
        }
        checkLayout(file, entries, dataLength);
        return new Header(List.copyOf(entries), Map.copyOf(metadata), dataStart);
    }

    private static void readMetadata(final String file, final JsonNode node, final Map<String, String> metadata) {
        if (!node.isObject()) {
            throw corrupt(file, "__metadata__ must be an object of strings");
        }
        final Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            final Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw corrupt(file, "__metadata__ value '" + e.getKey() + "' is not a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry parseEntry(final String file, final String name, final JsonNode node) {
        if (!node.isObject()) {
            throw corrupt(file, name, "header entry is not an object");
        }
        final JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw corrupt(file, name, "missing dtype");
        }
        final DType dtype = DType.fromSafetensorsName(dtypeNode.textValue()).orElseThrow(() -> corrupt(file, name,
                "unknown dtype '" + dtypeNode.textValue() + "' (known: F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL)"));
        final long[] shape = longArray(file, name, node.get("shape"), "shape", -1);
        final long[] offsets = longArray(file, name, node.get("data_offsets"), "data_offsets", 2);
        if (offsets[1] < offsets[0]) {
            throw corrupt(file, name, "data_offsets [" + offsets[0] + ", " + offsets[1] + "] end before they start");
        }
        final long expected;
        try {
            expected = Tensor.byteLength(dtype, shape);
        } catch (final ArithmeticException e) {
            throw corrupt(file, name, "shape " + Tensor.shapeString(shape) + " overflows");
        }
        final long length = offsets[1] - offsets[0];
        if (expected != length) {
            throw corrupt(file, name, "shape " + Tensor.shapeString(shape) + " x " + dtype + " is " + expected
                    + " bytes but data_offsets span " + length);
        }
        if (length > Integer.MAX_VALUE) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "tensor '" + name + "' in " + file + " is " + length
                    + " bytes; tensors over 2 GiB are not supported");
        }
        return new Entry(name, dtype, shape, offsets[0], length);
    }

    private static long[] longArray(final String file, final String name, final JsonNode node, final String what, final int size) {
        if (node == null || !node.isArray() || (size >= 0 && node.size() != size)) {
            throw corrupt(file, name, what + " must be an array" + (size >= 0 ? " of " + size + " integers" : " of integers"));
        }
        final long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            final JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw corrupt(file, name, what + " holds '" + v + "', not a non-negative integer");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Tensors must tile the data region exactly: in order, no overlap, no hole, nothing past the end. */
    private static void checkLayout(final String file, final List<Entry> entries, final long dataLength) {
        final List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::start).thenComparingLong(Entry::end));
        long expectedStart = 0;
        for (final Entry entry : sorted) {
            if (entry.end() > dataLength) {
                throw corrupt(file, entry.name(), "data_offsets [" + entry.start() + ", " + entry.end()
                        + "] reach beyond the end of the data (" + dataLength + " bytes)");
            }
            if (entry.start() < expectedStart) {
                throw corrupt(file, entry.name(), "data_offsets [" + entry.start() + ", " + entry.end()
                        + "] overlap the previous tensor, which ends at " + expectedStart);
            }
            if (entry.start() > expectedStart) {
                throw corrupt(file, entry.name(), "data_offsets start at " + entry.start() + " leaving a hole after byte "
                        + expectedStart + " (offsets out of order)");
            }
            expectedStart = entry.end();
        }
        if (expectedStart != dataLength) {
            throw corrupt(file, "tensor data ends at byte " + expectedStart + " but the file holds " + dataLength
                    + " data bytes");
        }
    }

    /** Writes {@code bundle} to {@code file}: tensors in bundle order, header padded to 8 bytes. */
    public static void write(final Path file, final TensorBundle bundle) {
        try {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                write(out, bundle);
            }
        } catch (final IOException e) {
            throw WriteFailure.of("safetensors file", file, e);
        }
    }

    /** Serialises {@code bundle} to a stream (FlowFile content, stdout). */
    public static void write(final OutputStream out, final TensorBundle bundle) throws IOException {
        write(Channels.newChannel(out), bundle);
    }

    /** Serialises {@code bundle} to a channel; the caller reports its failures. */
    public static void write(final WritableByteChannel out, final TensorBundle bundle) throws IOException {
        final byte[] header = header(bundle);
        writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
        writeFully(out, ByteBuffer.wrap(header));
        for (final Tensor t : bundle.tensors().values()) {
            writeFully(out, t.data());
        }
    }

    /** The JSON header, padded with spaces so tensor data starts 8-byte aligned. */
    static byte[] header(final TensorBundle bundle) throws IOException {
        final ObjectNode header = JSON.createObjectNode();
        if (!bundle.metadata().isEmpty()) {
            final ObjectNode metadata = header.putObject(METADATA_KEY);
            bundle.metadata().forEach(metadata::put);
        }
        long offset = 0;
        for (final Map.Entry<String, Tensor> e : bundle.tensors().entrySet()) {
            final Tensor t = e.getValue();
            final ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", t.dtype().safetensorsName());
            final ArrayNode shape = entry.putArray("shape");
            for (final long d : t.shape()) {
                shape.add(d);
            }
            final long length = t.data().remaining();
            entry.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        final byte[] json = JSON.writeValueAsBytes(header);
        final byte[] padded = new byte[(json.length + 7) / 8 * 8];
        Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        return padded;
    }

    private static void writeFully(final WritableByteChannel out, final ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static LtxException corrupt(final String file, final String message) {
        return new LtxException(LtxErrorCode.CORRUPT_FILE, "corrupt safetensors file " + file + ": " + message);
    }

    private static LtxException corrupt(final String file, final String tensor, final String message) {
        return new LtxException(LtxErrorCode.CORRUPT_FILE,
                "corrupt safetensors file " + file + ": tensor '" + tensor + "': " + message);
    }

    /** One tensor's header entry; {@code start} is relative to the data region. */
    public record Entry(String name, DType dtype, long[] shape, long start, long length) {
        public long end() {
            return start + length;
        }
    }

    /** A parsed, validated header. */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
    }
}
