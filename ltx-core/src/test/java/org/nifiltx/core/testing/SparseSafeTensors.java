package org.nifiltx.core.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * Writes a safetensors file whose {@code zeros} tensors are a file-system hole after the {@code tensors} written in
 * full: a real-width checkpoint (a 13B-wide block is ~0.8 GB in bf16) for tests that read headers, configs and shapes
 * (inspect, weight audits) without writing gigabytes. The zeros read back as zeros.
 */
public final class SparseSafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparseSafeTensors() {
    }

    public static void write(final Path file, final Map<String, String> metadata, final Map<String, Tensor> tensors,
            final Map<String, long[]> zeros, final DType zeroType) throws IOException {
        final ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            final ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (final Map.Entry<String, Tensor> e : tensors.entrySet()) {
            offset = entry(header, e.getKey(), e.getValue().dtype(), e.getValue().shape(), offset);
        }
        for (final Map.Entry<String, long[]> e : zeros.entrySet()) {
            offset = entry(header, e.getKey(), zeroType, e.getValue(), offset);
        }
        final byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        final byte[] padded = new byte[(json.length + 7) / 8 * 8];
        Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded.length));
            writeFully(out, ByteBuffer.wrap(padded));
            for (final Tensor t : tensors.values()) {
                writeFully(out, t.data());
            }
            if (!zeros.isEmpty()) {
                // writing the last byte past the end leaves the zeros' bytes before it unallocated
                out.write(ByteBuffer.allocate(1), 8 + padded.length + offset - 1);
            }
        }
    }

    private static long entry(final ObjectNode header, final String name, final DType dtype, final long[] shape,
            final long offset) {
        final ObjectNode entry = header.putObject(name);
        entry.put("dtype", dtype.safetensorsName());
        final ArrayNode dims = entry.putArray("shape");
        Arrays.stream(shape).forEach(dims::add);
        final long end = offset + Tensor.byteLength(dtype, shape);
        entry.putArray("data_offsets").add(offset).add(end);
        return end;
    }

    private static void writeFully(final FileChannel out, final ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
