package org.nifiltx.core.tensor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Supplier;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * A tensor whose dtype and shape are known up front and whose values are made only when asked for. A GGUF weight is
 * dequantized at each {@link #load()} and nothing keeps the result: whoever loads it decides how long the float32
 * copy lives (the int8 policy quantizes it and drops it), so a 4.7 B-parameter encoder is never whole in float32
 * memory. A tensor already in memory or memory-mapped is wrapped by {@link #of(Tensor)} and loads as itself.
 */
public final class LazyTensor {
    private final DType dtype;
    private final long[] shape;
    private final Supplier<Tensor> values;
    private final Supplier<ByteBuffer> stored;

    private LazyTensor(final DType dtype, final long[] shape, final Supplier<Tensor> values,
            final Supplier<ByteBuffer> stored) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.values = values;
        this.stored = stored;
    }

    /** A tensor that is already there (heap, direct or mapped): loading returns it, its bytes are its stored form. */
    public static LazyTensor of(final Tensor tensor) {
        return new LazyTensor(tensor.dtype(), tensor.shape(), () -> tensor, tensor::data);
    }

    /**
     * A tensor made on demand.
     *
     * @param dtype  the dtype {@code values} produces
     * @param shape  the shape {@code values} produces
     * @param values makes the tensor; called at every {@link #load()}
     * @param stored the bytes as the file stores them (e.g. still quantized), mapped rather than read, for fingerprints
     */
    public static LazyTensor of(final DType dtype, final long[] shape, final Supplier<Tensor> values,
            final Supplier<ByteBuffer> stored) {
        return new LazyTensor(dtype, shape, values, stored);
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long dim(final int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public long numel() {
        return Tensor.numel(shape);
    }

    /** The values, made now (a lazy source keeps no copy: a second call makes them again). */
    public Tensor load() {
        final Tensor tensor = values.get();
        if (tensor.dtype() != dtype || !Arrays.equals(tensor.shape(), shape)) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "a lazy tensor declared " + dtype + " "
                    + Tensor.shapeString(shape) + " but loaded " + tensor);
        }
        return tensor;
    }

    /** The bytes as stored, read-only and positioned at 0 (for an in-memory tensor: its data). */
    public ByteBuffer storedBytes() {
        return stored.get().asReadOnlyBuffer();
    }

    @Override
    public String toString() {
        return "LazyTensor[" + dtype + " " + Tensor.shapeString(shape) + "]";
    }
}
