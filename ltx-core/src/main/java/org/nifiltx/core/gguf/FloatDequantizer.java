package org.nifiltx.core.gguf;

import java.nio.ByteBuffer;

/** Widens the unquantized float types (F32, F16, BF16) to float32; their "block" is one element. */
final class FloatDequantizer {
    private FloatDequantizer() {
    }

    static void decode(final GgmlType type, final ByteBuffer in, final int firstElement, final int count,
            final float[] out) {
        switch (type) {
            case F32 -> {
                for (int i = firstElement; i < firstElement + count; i++) {
                    out[i] = in.getFloat(4 * i);
                }
            }
            case F16 -> {
                for (int i = firstElement; i < firstElement + count; i++) {
                    out[i] = Float.float16ToFloat(in.getShort(2 * i));
                }
            }
            case BF16 -> {
                // bfloat16 is the upper half of a float32, so widening is a shift.
                for (int i = firstElement; i < firstElement + count; i++) {
                    out[i] = Float.intBitsToFloat((in.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            default -> throw new IllegalArgumentException(type + " is not a float type");
        }
    }
}
