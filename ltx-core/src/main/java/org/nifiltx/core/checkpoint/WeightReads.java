package org.nifiltx.core.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * What a graph builder read from a {@link WeightStore#recording recording} store: every weight under its full key,
 * with the shape the config implies. The list comes from the code that builds the graphs, so it cannot drift from
 * what a run needs. A weight the checkpoint lacks, or has in another shape, is stood in for by zeros of the implied
 * shape so that the build goes on and every problem is found in one pass; the zeros are one shared buffer, so a
 * checkpoint that lacks a whole component costs no more memory than its largest weight.
 */
public final class WeightReads {
    /**
     * One weight a graph reads.
     *
     * @param key   full key in the component's store
     * @param shape the shape the config implies, or null where the graph takes any shape (a scalar table entry)
     */
    public record Read(String key, long[] shape) {
    }

    private final Map<String, Read> reads = new LinkedHashMap<>();
    private ByteBuffer zeros = ByteBuffer.allocateDirect(0);

    /** Every weight read, in first-read order, once each. */
    public List<Read> reads() {
        return List.copyOf(new ArrayList<>(reads.values()));
    }

    void record(final String key, final long[] shape) {
        reads.putIfAbsent(key, new Read(key, shape == null ? null : shape.clone()));
    }

    /** Zeros of {@code shape} (float32) in place of a weight the checkpoint lacks or has in another shape. */
    Tensor standIn(final String key, final long[] shape) {
        final long bytes = Tensor.byteLength(DType.F32, shape);
        if (bytes > Integer.MAX_VALUE) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "weight '" + key + "' of shape "
                    + Tensor.shapeString(shape) + " is larger than one buffer holds");
        }
        if (zeros.capacity() < bytes) {
            zeros = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        return new Tensor(DType.F32, shape, zeros.slice(0, (int) bytes));
    }
}
