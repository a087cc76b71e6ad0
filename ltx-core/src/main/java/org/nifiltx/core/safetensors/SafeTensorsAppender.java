package org.nifiltx.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.tensor.FileRegion;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * A safetensors file written one tensor at a time, each tensor readable from the file (mapped) as soon as it is
 * appended, so tensors made one after another (weights being quantized) never pile up in memory. The header is not
 * known until the last tensor, so space for it is reserved at the start and filled by {@link #finish(Map)}; the
 * result is an ordinary safetensors file (the header is padded with spaces, which the format allows).
 */
public final class SafeTensorsAppender implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long end;

    private SafeTensorsAppender(final Path file, final FileChannel channel, final long reservedHeaderBytes) {
        this.file = file;
        this.channel = channel;
        this.dataStart = 8 + reservedHeaderBytes;
        this.end = dataStart;
    }

    /** Creates (or truncates) {@code file} with {@code reservedHeaderBytes} (rounded up to 8) kept for the header. */
    public static SafeTensorsAppender create(final Path file, final long reservedHeaderBytes) {
        try {
            return new SafeTensorsAppender(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), (reservedHeaderBytes + 7) / 8 * 8);
        } catch (final IOException e) {
            throw WriteFailure.of("safetensors file", file, e);
        }
    }

    public Path file() {
        return file;
    }

    /** Writes {@code tensor} at the end of the file and returns it read back from there (mapped, with its origin). */
    public synchronized Tensor append(final String name, final Tensor tensor) {
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is already in " + file);
        }
        final ByteBuffer bytes = tensor.data();
        final long at = end;
        final long length = bytes.remaining();
        try {
            long position = at;
            while (bytes.hasRemaining()) {
                position += channel.write(bytes, position);
            }
            end = at + length;
            final ByteBuffer view = length == 0 ? ByteBuffer.allocate(0) : map(at, length);
            final Tensor mapped = new Tensor(tensor.dtype(), tensor.shape(), view.order(ByteOrder.LITTLE_ENDIAN),
                    new FileRegion(file, at));
            tensors.put(name, mapped);
            return mapped;
        } catch (final IOException e) {
            throw WriteFailure.of("safetensors file", file, e);
        }
    }

    private MappedByteBuffer map(final long at, final long length) throws IOException {
        return channel.map(FileChannel.MapMode.READ_ONLY, at, length);
    }

    /** Every tensor appended so far, by name, in order. */
    public synchronized Map<String, Tensor> tensors() {
        return new LinkedHashMap<>(tensors);
    }

    /**
     * Writes the header into the reserved space and forces the file to disk. Returns false, leaving the file unfinished,
     * when the header does not fit the reservation (the caller then writes the tensors to a new file instead).
     */
    public synchronized boolean finish(final Map<String, String> metadata) {
        try {
            final byte[] header = SafeTensors.header(new TensorBundle(tensors, metadata));
            final long reserved = dataStart - 8;
            if (header.length > reserved) {
                return false;
            }
            final ByteBuffer head = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(reserved).put(header);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            head.flip();
            long position = 0;
            while (head.hasRemaining()) {
                position += channel.write(head, position);
            }
            channel.force(false);
            return true;
        } catch (final IOException e) {
            throw WriteFailure.of("safetensors file", file, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (final IOException e) {
            // the mapped views stay valid after the channel closes; nothing else is held
        }
    }
}
