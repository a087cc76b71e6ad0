package org.nifiltx.core.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Turns ggml-encoded tensor bytes into float32, following ggml's {@code dequantize_row_*} semantics for F32, F16,
 * BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and Q2_K..Q6_K. Large tensors are decoded in parallel, block ranges being
 * independent.
 */
public final class GgmlDequantizer {
    /** Blocks per parallel task: big enough that scheduling costs nothing next to the decoding. */
    private static final int BLOCKS_PER_TASK = 4096;

    private GgmlDequantizer() {
    }

    /**
     * Dequantizes {@code elements} values of {@code type} from {@code data} (read from its position, little-endian).
     *
     * @param tensorName named in errors
     * @throws LtxException {@link LtxErrorCode#UNSUPPORTED} for a type this reader cannot decode or a tensor too big
     *         for one Java array; {@link LtxErrorCode#INVALID_TENSOR} when the bytes do not match the element count
     */
    public static float[] dequantize(final GgmlType type, final ByteBuffer data, final long elements,
            final String tensorName) {
        requireDequantizable(type, elements, tensorName);
        if (elements % type.blockSize() != 0 || data.remaining() != type.byteLength(elements)) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "tensor '" + tensorName + "' of type " + type + " and "
                    + elements + " elements needs " + type.byteLength(elements) + " bytes, got " + data.remaining());
        }
        final ByteBuffer in = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        final float[] out = new float[(int) elements];
        final int blocks = (int) (elements / type.blockSize());
        final int tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
        if (tasks <= 1) {
            decode(type, in, 0, blocks, out);
        } else {
            IntStream.range(0, tasks).parallel().forEach(task -> {
                final int first = task * BLOCKS_PER_TASK;
                decode(type, in, first, Math.min(BLOCKS_PER_TASK, blocks - first), out);
            });
        }
        return out;
    }

    /**
     * Fails as {@link #dequantize} does for a type it cannot decode or a tensor too big for one array, reading no
     * data: a reader that dequantizes later (a lazy GGUF weight) refuses such a file when it opens it.
     */
    public static void requireDequantizable(final GgmlType type, final long elements, final String tensorName) {
        if (!type.isDequantizable()) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED,
                    "tensor '" + tensorName + "' has ggml type " + type + ", which cannot be dequantized (supported: "
                            + "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "tensor '" + tensorName + "' has " + elements
                    + " elements, more than one float array holds");
        }
    }

    private static void decode(final GgmlType type, final ByteBuffer in, final int firstBlock, final int blockCount,
            final float[] out) {
        switch (type) {
            case F32, F16, BF16 -> FloatDequantizer.decode(type, in, firstBlock, blockCount, out);
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> LegacyQuantDequantizer.decode(type, in, firstBlock, blockCount, out);
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> KQuantDequantizer.decode(type, in, firstBlock, blockCount, out);
            default -> throw new IllegalStateException(type + " is marked dequantizable but has no decoder");
        }
    }
}
