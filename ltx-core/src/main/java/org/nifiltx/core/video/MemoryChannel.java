package org.nifiltx.core.video;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.jcodec.common.io.SeekableByteChannel;

/**
 * A growing in-memory file for jcodec's MP4 muxer, which seeks back to fill in the media box size and writes its index
 * after the samples, so it cannot write straight into a stream. Only the compressed video is held (jcodec's own
 * {@code ByteBufferSeekableByteChannel} needs its final size up front).
 */
final class MemoryChannel implements SeekableByteChannel {
    private byte[] bytes = new byte[1 << 20];
    private int size;
    private int position;
    private boolean open = true;

    @Override
    public int write(final ByteBuffer source) {
        final int n = source.remaining();
        final int end = Math.addExact(position, n);
        if (end > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(end, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * bytes.length)));
        }
        source.get(bytes, position, n);
        position = end;
        size = Math.max(size, end);
        return n;
    }

    @Override
    public int read(final ByteBuffer destination) {
        if (position >= size) {
            return -1;
        }
        final int n = Math.min(destination.remaining(), size - position);
        destination.put(bytes, position, n);
        position += n;
        return n;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public SeekableByteChannel setPosition(final long newPosition) throws IOException {
        if (newPosition < 0 || newPosition > Integer.MAX_VALUE - 8L) {
            throw new IOException("position " + newPosition + " outside an in-memory video");
        }
        position = (int) newPosition;
        return this;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public SeekableByteChannel truncate(final long newSize) {
        size = (int) Math.min(size, Math.max(0, newSize));
        position = Math.min(position, size);
        return this;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }

    void writeTo(final OutputStream out) throws IOException {
        out.write(bytes, 0, size);
    }
}
