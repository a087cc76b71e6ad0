package org.nifiltx.core.tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Reads a tensor's elements a range at a time as float32, for passes over every weight of a checkpoint (quantizing,
 * rounding to bf16). A tensor mapped from a file is read with positional reads from that file rather than through its
 * mapping: read pages stay in the page cache, outside the process's resident set, where touching the mapping made
 * every weight read so far count as resident (16 GB while a float32 T5-XXL was quantized).
 */
public final class TensorRows implements AutoCloseable {
    private final Tensor tensor;
    private final FileChannel channel;
    private final long fileOffset;
    private ByteBuffer buffer;

    private TensorRows(final Tensor tensor, final FileChannel channel, final long fileOffset) {
        this.tensor = tensor;
        this.channel = channel;
        this.fileOffset = fileOffset;
    }

    public static TensorRows of(final Tensor tensor) {
        final FileRegion origin = tensor.origin().orElse(null);
        if (origin == null || !(tensor.dtype() == DType.F32 || tensor.dtype() == DType.BF16 || tensor.dtype() == DType.F16)) {
            return new TensorRows(tensor, null, 0);
        }
        try {
            return new TensorRows(tensor, FileChannel.open(origin.file(), StandardOpenOption.READ), origin.offset());
        } catch (final IOException e) {
            // the mapping still reads it
            return new TensorRows(tensor, null, 0);
        }
    }

    /** Elements {@code [offset, offset + out.length)} in flat order, as {@link Tensor#readFloats} gives them. */
    public void read(final long offset, final float[] out) {
        if (channel == null) {
            tensor.readFloats(offset, out);
            return;
        }
        if (offset < 0 || offset + out.length > tensor.numel()) {
            throw new IndexOutOfBoundsException("elements " + offset + ".." + (offset + out.length) + " of " + tensor.numel());
        }
        final int size = tensor.dtype().byteSize();
        final int bytes = out.length * size;
        if (buffer == null || buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.clear().limit(bytes);
        try {
            long position = fileOffset + offset * size;
            while (buffer.hasRemaining()) {
                final int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new IOException("file ends before element " + (offset + out.length));
                }
                position += n;
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read " + tensor.origin().orElseThrow().file() + ": " + e.getMessage(), e);
        }
        buffer.flip();
        new Tensor(tensor.dtype(), new long[] {out.length}, buffer).readFloats(0, out);
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException e) {
                // read-only: nothing to lose
            }
        }
    }
}
