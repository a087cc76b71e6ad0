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
 * The store of a weight-cache miss: each weight it makes is appended to the cache file being written and used from
 * there (mapped), so a component's reduced weights never all sit in the process's memory at once, and ONNX Runtime maps
 * them from the file rather than copying them ({@link MappedInitializers}). A bf16 T5-XXL made from a float32
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
    synchronized SafeTensorsAppender file() {
        return file;
    }

    @Override
    protected synchronized Tensor keep(final String key, final Tensor made) {
        if (!failed) {
            try {
                if (file == null) {
                    file = SafeTensorsAppender.create(Files.createTempFile(directory, ".writing-", ".safetensors"),
                            headerReservation);
                }
                return super.keep(key, file.append(key, made));
            } catch (final IOException | RuntimeException e) {
                // a full disk or a read-only folder costs the cache and the memory it saves, not the model
                LOG.log(Level.WARNING, "cannot write the weight cache in " + directory + " (" + e.getMessage()
                        + "); keeping the weights in memory");
                failed = true;
            }
        }
        return super.keep(key, made);
    }

    /** Heap while writing, not direct: the bytes are garbage once written, and the heap collects them as it fills. */
    @Override
    protected synchronized ByteBuffer allocate(final int bytes) {
        return failed ? super.allocate(bytes) : ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
