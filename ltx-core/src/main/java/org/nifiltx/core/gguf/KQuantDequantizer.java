package org.nifiltx.core.gguf;

import java.nio.ByteBuffer;

/**
 * The "k-quants": super-blocks of 256 values split into sub-blocks of 16 or 32, each with its own small quantized
 * scale (and for Q2_K, Q4_K and Q5_K a quantized minimum) multiplied by F16 super-block factors. Block layouts, in
 * byte order:
 * <ul>
 * <li>Q2_K (84): 16 scale bytes (low nibble scale, high nibble min), 64 bytes of 2-bit quants, d, dmin</li>
 * <li>Q3_K (110): 32 bytes of high bits, 64 bytes of 2-bit quants, 12 bytes of 6-bit scales, d</li>
 * <li>Q4_K (144): d, dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles</li>
 * <li>Q5_K (176): d, dmin, 12 bytes of 6-bit scales and mins, 32 bytes of high bits, 128 bytes of nibbles</li>
 * <li>Q6_K (210): 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 signed scale bytes, d</li>
 * </ul>
 * Each 128-value half (Q2_K, Q3_K, Q6_K) or 64-value quarter (Q4_K, Q5_K) reads its quants from one run of bytes,
 * taking successive bit fields of each byte for successive 32-value groups; the loops below follow that order.
 */
final class KQuantDequantizer {
    static final int SUPER_BLOCK = 256;

    private KQuantDequantizer() {
    }

    static void decode(final GgmlType type, final ByteBuffer in, final int firstBlock, final int blockCount,
            final float[] out) {
        for (int block = firstBlock; block < firstBlock + blockCount; block++) {
            final int at = block * type.typeSize();
            final int start = block * SUPER_BLOCK;
            switch (type) {
                case Q2_K -> q2(in, at, out, start);
                case Q3_K -> q3(in, at, out, start);
                case Q4_K -> q4(in, at, out, start);
                case Q5_K -> q5(in, at, out, start);
                case Q6_K -> q6(in, at, out, start);
                default -> throw new IllegalArgumentException(type + " is not a k-quantization");
            }
        }
    }

    private static int u8(final ByteBuffer in, final int at) {
        return in.get(at) & 0xFF;
    }

    private static void q2(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = LegacyQuantDequantizer.half(in, at + 80);
        final float dmin = LegacyQuantDequantizer.half(in, at + 82);
        int y = start;
        int scaleIndex = 0;
        for (int half = 0; half < 2; half++) {
            final int quants = at + 16 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                // Two 16-value sub-blocks per bit field: bytes 0..15 and 16..31 of this half's quants.
                for (int part = 0; part < 2; part++) {
                    final int scale = u8(in, at + scaleIndex++);
                    final float dl = d * (scale & 0x0F);
                    final float ml = dmin * (scale >>> 4);
                    for (int l = 0; l < 16; l++) {
                        out[y++] = dl * ((u8(in, quants + 16 * part + l) >>> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    private static void q3(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = LegacyQuantDequantizer.half(in, at + 108);
        final int[] scales = q3Scales(in, at + 96);
        int y = start;
        int scaleIndex = 0;
        int highBit = 0;
        for (int half = 0; half < 2; half++) {
            final int quants = at + 32 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    final float dl = d * (scales[scaleIndex++] - 32);
                    for (int l = 0; l < 16; l++) {
                        final int low = (u8(in, quants + 16 * part + l) >>> shift) & 3;
                        // A clear high bit means the value is 4 lower: the 3-bit quant is signed around zero.
                        final boolean high = ((u8(in, at + 16 * part + l) >>> highBit) & 1) != 0;
                        out[y++] = dl * (low - (high ? 0 : 4));
                    }
                }
                highBit++;
            }
        }
    }

    /**
     * Unpacks Q3_K's sixteen 6-bit scales: the low nibbles of bytes 0..7 give scales 0..7, their high nibbles scales
     * 8..15, and bytes 8..11 carry the top two bits of all sixteen, two bits per scale.
     */
    private static int[] q3Scales(final ByteBuffer in, final int at) {
        final int[] scales = new int[16];
        for (int j = 0; j < 4; j++) {
            final int top = u8(in, at + 8 + j);
            scales[j] = (u8(in, at + j) & 0x0F) | ((top & 3) << 4);
            scales[j + 4] = (u8(in, at + 4 + j) & 0x0F) | (((top >>> 2) & 3) << 4);
            scales[j + 8] = (u8(in, at + j) >>> 4) | (((top >>> 4) & 3) << 4);
            scales[j + 12] = (u8(in, at + 4 + j) >>> 4) | (((top >>> 6) & 3) << 4);
        }
        return scales;
    }

    /**
     * Q4_K/Q5_K's 6-bit scale and min of 32-value sub-block {@code j} (0..7), packed in 12 bytes: sub-blocks 0..3 use
     * the low six bits of bytes j (scale) and j + 4 (min); sub-blocks 4..7 take their low four bits from the nibbles of
     * byte j + 4 and their top two bits from the spare top bits of bytes j - 4 (scale) and j (min).
     */
    static int scaleK4(final ByteBuffer in, final int at, final int j) {
        if (j < 4) {
            return u8(in, at + j) & 63;
        }
        return (u8(in, at + j + 4) & 0x0F) | ((u8(in, at + j - 4) >>> 6) << 4);
    }

    static int minK4(final ByteBuffer in, final int at, final int j) {
        if (j < 4) {
            return u8(in, at + j + 4) & 63;
        }
        return (u8(in, at + j + 4) >>> 4) | ((u8(in, at + j) >>> 6) << 4);
    }

    private static void q4(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = LegacyQuantDequantizer.half(in, at);
        final float dmin = LegacyQuantDequantizer.half(in, at + 2);
        int y = start;
        for (int quarter = 0; quarter < 4; quarter++) {
            final int quants = at + 16 + 32 * quarter;
            for (int nibble = 0; nibble < 2; nibble++) {
                final int sub = 2 * quarter + nibble;
                final float scale = d * scaleK4(in, at + 4, sub);
                final float min = dmin * minK4(in, at + 4, sub);
                for (int l = 0; l < 32; l++) {
                    out[y++] = scale * ((u8(in, quants + l) >>> (4 * nibble)) & 0x0F) - min;
                }
            }
        }
    }

    private static void q5(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = LegacyQuantDequantizer.half(in, at);
        final float dmin = LegacyQuantDequantizer.half(in, at + 2);
        int y = start;
        for (int quarter = 0; quarter < 4; quarter++) {
            final int quants = at + 48 + 32 * quarter;
            for (int nibble = 0; nibble < 2; nibble++) {
                final int sub = 2 * quarter + nibble;
                final float scale = d * scaleK4(in, at + 4, sub);
                final float min = dmin * minK4(in, at + 4, sub);
                for (int l = 0; l < 32; l++) {
                    // Bit `sub` of high-bit byte l is the fifth bit of value l of sub-block `sub`.
                    final int high = ((u8(in, at + 16 + l) >>> sub) & 1) << 4;
                    out[y++] = scale * (((u8(in, quants + l) >>> (4 * nibble)) & 0x0F) + high) - min;
                }
            }
        }
    }

    private static void q6(final ByteBuffer in, final int at, final float[] out, final int start) {
        final float d = LegacyQuantDequantizer.half(in, at + 208);
        for (int half = 0; half < 2; half++) {
            final int low = at + 64 * half;
            final int high = at + 128 + 32 * half;
            final int scales = at + 192 + 8 * half;
            final int y = start + 128 * half;
            for (int l = 0; l < 32; l++) {
                final int sub = l / 16;
                final int h = u8(in, high + l);
                final int q1 = ((u8(in, low + l) & 0x0F) | ((h & 3) << 4)) - 32;
                final int q2 = ((u8(in, low + l + 32) & 0x0F) | (((h >>> 2) & 3) << 4)) - 32;
                final int q3 = ((u8(in, low + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                final int q4 = ((u8(in, low + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                out[y + l] = d * in.get(scales + sub) * q1;
                out[y + l + 32] = d * in.get(scales + sub + 2) * q2;
                out[y + l + 64] = d * in.get(scales + sub + 4) * q3;
                out[y + l + 96] = d * in.get(scales + sub + 6) * q4;
            }
        }
    }
}
