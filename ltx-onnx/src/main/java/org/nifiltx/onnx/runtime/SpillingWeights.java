package org.nifiltx.onnx.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.nifiltx.core.safetensors.SafeTensorsAppender;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.QuantizedWeights;

/**
 * The store of a weight-cache miss: each weight it makes is made in place in the cache file being written (a mapped
 * region of it) and used from there, so a component's reduced weights never sit in the process's memory, and ONNX
 * Runtime maps them from the file rather than copying them ({@link MappedInitializers}). A bf16 T5-XXL made from a float32
 * checkpoint held 9.8 GB in Java plus ONNX Runtime's copy while its session was created; now neither.
 */
final class SpillingWeights extends QuantizedWeights {
    private static final Logger LOG = Logger.getLogger(SpillingWeights.class.getName());

    private final Path directory;
    private final long headerReservation;
    private SafeTensorsAppender file;
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
        return super.keep(key, made);
    }

    /**
     * Space for a weight being made: its place in the cache file, mapped for writing, so the weight never exists in the
     * process's memory (the next {@link #keep} names it). Direct memory once the file failed.
     */
    @Override
    protected synchronized ByteBuffer allocate(final int bytes) {
        if (!failed && bytes > 0) {
            try {
                return file().reserve(bytes);
            } catch (final RuntimeException e) {
                fail(e);
            }
        }
        return super.allocate(bytes);
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
