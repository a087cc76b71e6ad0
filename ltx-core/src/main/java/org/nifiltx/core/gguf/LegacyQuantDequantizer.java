package org.nifiltx.core.gguf;

import java.nio.ByteBuffer;

/**
 * The original ggml quantizations: blocks of 32 values sharing an F16 scale {@code d} (and, for the "_1" types, an
 * F16 offset {@code m}). Block layouts, in byte order:
 * <ul>
 * <li>Q8_0 (34 bytes): d, 32 signed bytes; x = q * d</li>
 * <li>Q4_0 (18 bytes): d, 16 bytes of nibbles; x = (q - 8) * d</li>
 * <li>Q4_1 (20 bytes): d, m, 16 bytes of nibbles; x = q * d + m</li>
 * <li>Q5_0 (22 bytes): d, 32 high bits (uint32), 16 bytes of nibbles; x = (q - 16) * d</li>
 * <li>Q5_1 (24 bytes): d, m, 32 high bits (uint32), 16 bytes of nibbles; x = q * d + m</li>
 * </ul>
 * In the nibble types, byte j holds value j in its low nibble and value j + 16 in its high nibble; in the 5-bit types
 * bit j of the high-bit word is the fifth bit of value j.
 */
final class LegacyQuantDequantizer {
    static final int BLOCK = 32;
    private static final int HALF = BLOCK / 2;

    private LegacyQuantDequantizer() {
    }

    static void decode(final GgmlType type, final ByteBuffer in, final int firstBlock, final int blockCount,
            final float[] out) {
        for (int block = firstBlock; block < firstBlock + blockCount; block++) {
            final int at = block * type.typeSize();
            final int start = block * BLOCK;
            switch (type) {
                case Q8_0 -> q8Zero(in, at, out, start);
                case Q4_0 -> q4Zero(in, at, out, start);
                case Q4_1 -> q4One(in, at, out, start);
                case Q5_0 -> q5Zero(in, at, out, start);
                case Q5_1 -> q5One(in, at, out, start);
                default -> throw new IllegalArgumentException(type + " is not a legacy quantization");
            }
        }
    }

    static float half(final ByteBuffer in, final int at) {
        return Float.float16ToFloat(in.getShort(at));
    }

    private static void q8Zero(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = half(in, at);
        for (int j = 0; j < BLOCK; j++) {
            out[start + j] = in.get(at + 2 + j) * d;
        }
    }

    private static void q4Zero(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = half(in, at);
        for (int j = 0; j < HALF; j++) {
            final int q = in.get(at + 2 + j) & 0xFF;
            out[start + j] = ((q & 0x0F) - 8) * d;
            out[start + j + HALF] = ((q >>> 4) - 8) * d;
        }
    }

    private static void q4One(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = half(in, at);
        final float m = half(in, at + 2);
        for (int j = 0; j < HALF; j++) {
            final int q = in.get(at + 4 + j) & 0xFF;
            out[start + j] = (q & 0x0F) * d + m;
            out[start + j + HALF] = (q >>> 4) * d + m;
        }
    }

    private static void q5Zero(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = half(in, at);
        final int high = in.getInt(at + 2);
        for (int j = 0; j < HALF; j++) {
            final int q = in.get(at + 6 + j) & 0xFF;
            out[start + j] = (((q & 0x0F) | fifthBit(high, j)) - 16) * d;
            out[start + j + HALF] = (((q >>> 4) | fifthBit(high, j + HALF)) - 16) * d;
        }
    }

    private static void q5One(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = half(in, at);
        final float m = half(in, at + 2);
        final int high = in.getInt(at + 4);
        for (int j = 0; j < HALF; j++) {
            final int q = in.get(at + 8 + j) & 0xFF;
            out[start + j] = ((q & 0x0F) | fifthBit(high, j)) * d + m;
            out[start + j + HALF] = ((q >>> 4) | fifthBit(high, j + HALF)) * d + m;
        }
    }

    /** Bit {@code index} of {@code high}, moved to value 16. */
    private static int fifthBit(final int high, final int index) {
        return ((high >>> index) & 1) << 4;
    }
}
