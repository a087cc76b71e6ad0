package org.nifiltx.core.pipeline;

import java.util.Arrays;
import org.nifiltx.core.tensor.Tensor;

/** Small tensor reshuffles the pipeline needs on the host. */
final class Tensors {
    private Tensors() {
    }

    /** Batch row {@code index} of [B, ...] as [1, ...], keeping int64 tensors int64. */
    static Tensor row(final Tensor tensor, final int index) {
        final long[] shape = tensor.shape();
        final int size = Math.toIntExact(tensor.numel() / shape[0]);
        shape[0] = 1;
        if (tensor.dtype().isFloatingPoint()) {
            return Tensor.ofFloats(shape, Arrays.copyOfRange(tensor.toFloatArray(), index * size, (index + 1) * size));
        }
        return Tensor.ofLongs(shape, Arrays.copyOfRange(tensor.toLongArray(), index * size, (index + 1) * size));
    }
}
