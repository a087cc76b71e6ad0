package org.nifiltx.onnx.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.nifiltx.core.safetensors.SafeTensorsAppender;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.QuantizedWeights;

/**
 * The store of a weight-cache miss: each weight it makes is written to the cache file being written as soon as it is
 * made and used from there (mapped, untouched), so a component's reduced weights never sit in the process's memory
 * together, and ONNX Runtime maps them from the file rather than copying them ({@link MappedInitializers}). A bf16
 * T5-XXL made from a float32 checkpoint held 9.8 GB in Java plus ONNX Runtime's copy while its session was created;
 * now neither.
 */
final class SpillingWeights extends QuantizedWeights {
    private static final Logger LOG = Logger.getLogger(SpillingWeights.class.getName());

    private final Path directory;
    private final long headerReservation;
    private SafeTensorsAppender file;
    private ByteBuffer scratch;
    private boolean failed;

    /** Writes into a new temporary file of {@code directory}, created with the first weight made. */
    SpillingWeights(final Path directory, final long headerReservation) {
        super(java.util.Map.of());
        this.directory = directory;
        this.headerReservation = headerReservation;
    }

    /** Whether every weight made is in {@link #file()} (none had to stay in memory because the file failed). */
    synchronized boolean complete() {
        return !failed;
    }

    /** The file being written, or null when nothing was made yet. */
    synchronized SafeTensorsAppender written() {
        return file;
    }

    @Override
    protected synchronized Tensor keep(final String key, final Tensor made) {
        if (!failed) {
            try {
                return super.keep(key, file().append(key, made));
            } catch (final RuntimeException e) {
                fail(e);
            }
        }
        // its own memory, not the scratch space the next weight will be made in
        final ByteBuffer copy = ByteBuffer.allocateDirect(made.data().remaining()).order(ByteOrder.LITTLE_ENDIAN).put(made.data());
        return super.keep(key, new Tensor(made.dtype(), made.shape(), copy.flip()));
    }

    /**
     * Space for a weight being made: one scratch buffer reused for every weight (each is written to the file by the
     * {@link #keep} that follows and used from there), so the process holds the largest weight once, not all of them.
     */
    @Override
    protected synchronized ByteBuffer allocate(final int bytes) {
        if (failed) {
            return super.allocate(bytes);
        }
        if (scratch == null || scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(bytes);
        }
        return scratch.clear().limit(bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The file being written, created with the first weight. */
    private SafeTensorsAppender file() {
        if (file == null) {
            try {
                file = SafeTensorsAppender.create(Files.createTempFile(directory, ".writing-", ".safetensors"), headerReservation);
            } catch (final IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return file;
    }

    /** A full disk or a read-only folder costs the cache and the memory it saves, not the model. */
    private void fail(final RuntimeException e) {
        LOG.log(Level.WARNING, "cannot write the weight cache in " + directory + " (" + e.getMessage()
                + "); keeping the weights in memory");
        failed = true;
    }
}
