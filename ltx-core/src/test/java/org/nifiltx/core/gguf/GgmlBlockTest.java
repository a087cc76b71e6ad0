package org.nifiltx.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Single blocks built by hand, with the expected values worked out from the format, not from the decoder. */
class GgmlBlockTest {

    private static ByteBuffer buffer(final int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Two Q8_0 blocks (34 bytes each: an F16 scale, then 32 signed bytes). Block 0 has d = 0.25 and q_j = j - 16, so
     * x_j = (j - 16) / 4: -4.0, -3.75, ..., 3.75. Block 1 has d = -2 and q = 127, -128, then zeros, so x = -254, 256, -0.0...
     */
    @Test
    void q8Zero() {
        final ByteBuffer block = buffer(68);
        block.putShort(0, Float.floatToFloat16(0.25f));
        for (int j = 0; j < 32; j++) {
            block.put(2 + j, (byte) (j - 16));
        }
        block.putShort(34, Float.floatToFloat16(-2f));
        block.put(36, (byte) 127);
        block.put(37, (byte) -128);
        final float[] expected = new float[64];
        for (int j = 0; j < 32; j++) {
            expected[j] = (j - 16) / 4f;
        }
        expected[32] = -254f;
        expected[33] = 256f;
        // 0 * -2 is negative zero in IEEE arithmetic, as in ggml's C.
        Arrays.fill(expected, 34, 64, -0f);
        assertArrayEquals(expected, GgmlDequantizer.dequantize(GgmlType.Q8_0, block, 64, "hand"));
    }

    /**
     * One Q4_K super-block: d = 0.5, dmin = 0.25, then 12 scale bytes s0..s11, then 128 bytes of nibbles. Sub-block j
     * (32 values) is x = d * scale_j * q - dmin * min_j. Scales and mins of sub-blocks 0..3 are s_j & 63 and
     * s_(j+4) & 63; those of 4..7 are the low/high nibble of s_(j+4) with the top two bits of s_(j-4) / s_j above.
     * <pre>
     * s = 41 02 03 04 00 C1 00 02 21 10 00 00 (hex)
     * sub 0: scale 0x41 & 63 = 1,            min 0x00 & 63 = 0
     * sub 1: scale 2,                         min 0xC1 & 63 = 1
     * sub 2: scale 3,                         min 0
     * sub 3: scale 4,                         min 2
     * sub 4: scale 0x21 & 15 | (0x41 >> 6) << 4 = 1 + 16 = 17,  min 0x21 >> 4 | (0x00 >> 6) << 4 = 2
     * sub 5: scale 0x10 & 15 | (0x02 >> 6) << 4 = 0,            min 0x10 >> 4 | (0xC1 >> 6) << 4 = 1 + 48 = 49
     * sub 6, 7: scale 0, min 0
     * </pre>
     * Quant bytes 0..31 (low nibbles: sub 0, high: sub 1) are (l % 16) | (15 - l % 16) << 4; bytes 32..63 (subs 2, 3)
     * are 0; bytes 64..95 (subs 4, 5) are 0x03; bytes 96..127 (subs 6, 7) are 0xFF. So:
     * <pre>
     * x[0..31]    = 0.5 * 1 * (l % 16) - 0                = (l % 16) / 2
     * x[32..63]   = 0.5 * 2 * (15 - l % 16) - 0.25 * 1    = 14.75 - l % 16
     * x[64..95]   = 0.5 * 3 * 0 - 0                       = 0
     * x[96..127]  = 0.5 * 4 * 0 - 0.25 * 2                = -0.5
     * x[128..159] = 0.5 * 17 * 3 - 0.25 * 2               = 25
     * x[160..191] = 0.5 * 0 * 0 - 0.25 * 49               = -12.25
     * x[192..255] = 0 (zero scale and min, whatever the quants)
     * </pre>
     */
    @Test
    void q4K() {
        final ByteBuffer block = buffer(144);
        block.putShort(0, Float.floatToFloat16(0.5f));
        block.putShort(2, Float.floatToFloat16(0.25f));
        final int[] scales = {0x41, 0x02, 0x03, 0x04, 0x00, 0xC1, 0x00, 0x02, 0x21, 0x10, 0x00, 0x00};
        for (int i = 0; i < scales.length; i++) {
            block.put(4 + i, (byte) scales[i]);
        }
        for (int l = 0; l < 32; l++) {
            block.put(16 + l, (byte) ((l % 16) | (15 - l % 16) << 4));
            block.put(16 + 64 + l, (byte) 0x03);
            block.put(16 + 96 + l, (byte) 0xFF);
        }
        final float[] expected = new float[256];
        for (int l = 0; l < 32; l++) {
            expected[l] = (l % 16) / 2f;
            expected[32 + l] = 14.75f - l % 16;
            expected[96 + l] = -0.5f;
            expected[128 + l] = 25f;
            expected[160 + l] = -12.25f;
        }
        assertArrayEquals(expected, GgmlDequantizer.dequantize(GgmlType.Q4_K, block, 256, "hand"));
    }

    /**
     * One Q4_0 block: d = 0.5, byte j = j | (15 - j) << 4, so x_j = (j - 8) / 2 and x_(j+16) = (7 - j) / 2.
     */
    @Test
    void q4Zero() {
        final ByteBuffer block = buffer(18);
        block.putShort(0, Float.floatToFloat16(0.5f));
        final float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            block.put(2 + j, (byte) (j | (15 - j) << 4));
            expected[j] = (j - 8) / 2f;
            expected[j + 16] = (7 - j) / 2f;
        }
        assertArrayEquals(expected, GgmlDequantizer.dequantize(GgmlType.Q4_0, block, 32, "hand"));
    }

    @Test
    void unsupportedTypesNameTensorAndType() {
        for (final GgmlType type : new GgmlType[] {GgmlType.IQ2_XXS, GgmlType.Q8_K, GgmlType.TQ1_0}) {
            final LtxException e = assertThrows(LtxException.class,
                    () -> GgmlDequantizer.dequantize(type, buffer(type.typeSize()), 256, "blk.0.w"));
            assertEquals(LtxErrorCode.UNSUPPORTED, e.code());
            assertEquals("tensor 'blk.0.w' has ggml type " + type + ", which cannot be dequantized (supported: F32, "
                    + "F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)", e.getMessage());
        }
    }

    @Test
    void byteCountMustMatchElements() {
        final LtxException e = assertThrows(LtxException.class,
                () -> GgmlDequantizer.dequantize(GgmlType.Q8_0, buffer(33), 32, "short"));
        assertEquals(LtxErrorCode.INVALID_TENSOR, e.code());
        assertEquals("tensor 'short' of type Q8_0 and 32 elements needs 34 bytes, got 33", e.getMessage());
    }

    /** Enough blocks to take the parallel path; every block repeats the first, so every value must too. */
    @Test
    void parallelDecodingMatchesSequential() {
        final int blocks = 3 * 4096 + 7;
        final ByteBuffer data = buffer(34 * blocks);
        for (int b = 0; b < blocks; b++) {
            data.putShort(34 * b, Float.floatToFloat16(0.125f));
            for (int j = 0; j < 32; j++) {
                data.put(34 * b + 2 + j, (byte) (j * 7 - 100));
            }
        }
        final float[] values = GgmlDequantizer.dequantize(GgmlType.Q8_0, data, 32L * blocks, "big");
        for (int i = 0; i < values.length; i++) {
            assertEquals(((i % 32) * 7 - 100) * 0.125f, values[i], "element " + i);
        }
    }
}
