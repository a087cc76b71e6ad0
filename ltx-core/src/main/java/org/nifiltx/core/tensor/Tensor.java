package org.nifiltx.core.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * A dense, row-major, little-endian tensor. The bytes may be a memory-mapped slice of a checkpoint (zero copy) or
 * a heap buffer; a tensor never copies them unless asked to convert.
 */
public final class Tensor {
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;
    /** Where the bytes are mapped from, or null for memory of the process's own (heap, direct, computed). */
    private final FileRegion origin;

    public Tensor(final DType dtype, final long[] shape, final ByteBuffer data) {
        this(dtype, shape, data, null);
    }

    /** A tensor over {@code data} mapped from {@code origin} (which a runtime may map again instead of copying). */
    public Tensor(final DType dtype, final long[] shape, final ByteBuffer data, final FileRegion origin) {
        this.origin = origin;
        this.dtype = dtype;
        this.shape = shape.clone();
        final long expected = byteLength(dtype, this.shape);
        if (expected != data.remaining()) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "tensor of dtype " + dtype + " and shape "
                    + Arrays.toString(shape) + " needs " + expected + " bytes, got " + data.remaining());
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static long numel(final long[] shape) {
        long n = 1;
        for (final long d : shape) {
            if (d < 0) {
                throw new LtxException(LtxErrorCode.INVALID_TENSOR, "negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static long byteLength(final DType dtype, final long[] shape) {
        return Math.multiplyExact(numel(shape), dtype.byteSize());
    }

    public static Tensor ofFloats(final long[] shape, final float[] values) {
        final ByteBuffer buffer = allocate(DType.F32, shape, values.length);
        buffer.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, buffer);
    }

    /**
     * A zero-filled float32 tensor in one direct buffer, to be written in place through {@link #floatView()}: large
     * results (a decoded video) are assembled where they end up instead of in a float[] that is then copied.
     */
    public static Tensor zerosF32(final long[] shape) {
        return zeros(DType.F32, shape);
    }

    /** A zero-filled tensor in one direct buffer (e.g. for a backend to write its output into). */
    public static Tensor zeros(final DType dtype, final long[] shape) {
        return new Tensor(dtype, shape, allocate(dtype, shape, numel(shape)));
    }

    /** A writable, zero-copy float view of this float32 tensor's bytes (absolute indices are element indices). */
    public java.nio.FloatBuffer floatView() {
        if (dtype != DType.F32) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "a float view needs a float32 tensor, got " + dtype);
        }
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    public static Tensor ofLongs(final long[] shape, final long[] values) {
        final ByteBuffer buffer = allocate(DType.I64, shape, values.length);
        buffer.asLongBuffer().put(values);
        return new Tensor(DType.I64, shape, buffer);
    }

    public static Tensor ofInts(final long[] shape, final int[] values) {
        final ByteBuffer buffer = allocate(DType.I32, shape, values.length);
        buffer.asIntBuffer().put(values);
        return new Tensor(DType.I32, shape, buffer);
    }

    public static Tensor ofBytes(final DType dtype, final long[] shape, final byte[] values) {
        final ByteBuffer buffer = allocate(dtype, shape, values.length / dtype.byteSize());
        buffer.put(values).flip();
        return new Tensor(dtype, shape, buffer);
    }

    private static ByteBuffer allocate(final DType dtype, final long[] shape, final long count) {
        if (numel(shape) != count) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    count + " values do not fill shape " + Arrays.toString(shape));
        }
        return ByteBuffer.allocateDirect(Math.toIntExact(byteLength(dtype, shape))).order(ByteOrder.LITTLE_ENDIAN);
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(final int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public long numel() {
        return numel(shape);
    }

    /** The file region these bytes are mapped from, when they are (see {@link FileRegion}). */
    public java.util.Optional<FileRegion> origin() {
        return java.util.Optional.ofNullable(origin);
    }

    /** A read-only little-endian view of the raw bytes, positioned at 0. */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public byte[] toByteArray() {
        final byte[] bytes = new byte[data.remaining()];
        data().get(bytes);
        return bytes;
    }

    /** Every element converted to float32 (integers and narrow floats alike). */
    public float[] toFloatArray() {
        final int n = Math.toIntExact(numel());
        final float[] out = new float[n];
        final ByteBuffer b = data();
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = FloatFormats.f16ToFloat(b.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = FloatFormats.bf16ToFloat(b.getShort(i * 2));
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = FloatFormats.f8e4m3ToFloat(b.get(i));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = FloatFormats.f8e5m2ToFloat(b.get(i));
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getLong(i * 8);
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(i * 4);
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getShort(i * 2);
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i) & 0xFF;
                }
            }
            default -> throw new IllegalStateException(dtype.name());
        }
        return out;
    }

    /**
     * Elements {@code [offset, offset + out.length)} in flat order converted to float32 into {@code out}: a row at a
     * time, so a large weight is never widened whole (a float32 copy of a 4096×10240 weight is 168 MB of heap).
     */
    public void readFloats(final long offset, final float[] out) {
        if (offset < 0 || offset + out.length > numel()) {
            throw new IndexOutOfBoundsException("elements " + offset + ".." + (offset + out.length) + " of " + numel());
        }
        final ByteBuffer b = data();
        final int at = Math.toIntExact(offset);
        switch (dtype) {
            case F32 -> b.position(at * Float.BYTES).asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = FloatFormats.f16ToFloat(b.getShort((at + i) * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = FloatFormats.bf16ToFloat(b.getShort((at + i) * 2));
                }
            }
            default -> {
                // the other dtypes are not weights read this way: the whole-tensor conversion, then the range
                System.arraycopy(toFloatArray(), at, out, 0, out.length);
            }
        }
    }

    /** Every element converted to int64; floating values must be integral. */
    public long[] toLongArray() {
        final int n = Math.toIntExact(numel());
        final long[] out = new long[n];
        final ByteBuffer b = data();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(i * 4);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i) & 0xFF;
                }
            }
            default -> {
                final float[] values = toFloatArray();
                for (int i = 0; i < n; i++) {
                    out[i] = (long) values[i];
                }
            }
        }
        return out;
    }

    /** This tensor as float32, sharing bytes when it already is. */
    public Tensor toF32() {
        return dtype == DType.F32 ? this : ofFloats(shape, toFloatArray());
    }

    /** The same bytes under another shape with the same element count. */
    public Tensor reshape(final long... newShape) {
        if (numel(newShape) != numel()) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(dtype, newShape, data(), origin);
    }

    /** Throws {@link LtxErrorCode#NON_FINITE} naming the tensor if any element is NaN or infinite. */
    public void requireFinite(final String name) {
        if (!dtype.isFloatingPoint()) {
            return;
        }
        final float[] values = toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new LtxException(LtxErrorCode.NON_FINITE, "tensor '" + name + "' holds " + values[i]
                        + " at flat index " + i + "; every value must be finite");
            }
        }
    }

    public static String shapeString(final long[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
