package org.nifiltx.core.gguf;

/**
 * One tensor's entry in a GGUF file.
 *
 * @param dims dimensions innermost first, as GGUF stores them ({@code dims[0]} is the row length)
 * @param offset byte offset relative to the start of the data section
 * @param fileOffset absolute byte offset in the file
 * @param byteLength bytes the data takes
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset, long fileOffset, long byteLength) {

    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** The shape in numpy/torch order: the GGUF dimensions reversed. */
    public long[] shape() {
        final long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[dims.length - 1 - i];
        }
        return shape;
    }

    public long elementCount() {
        long count = 1;
        for (final long d : dims) {
            count *= d;
        }
        return count;
    }
}
