package org.nifiltx.core.tensor;

/** Conversions between float32 and the narrow float formats checkpoints use. */
public final class FloatFormats {
    private FloatFormats() {
    }

    /** bfloat16 is the upper half of a float32. */
    public static float bf16ToFloat(final short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even, as torch does when casting to bfloat16. */
    public static short floatToBf16(final float value) {
        final int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        final int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float f16ToFloat(final short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(final float value) {
        return Float.floatToFloat16(value);
    }

    /** float8 e4m3fn: bias 7, no infinities, 0x7F/0xFF are NaN. */
    public static float f8e4m3ToFloat(final byte bits) {
        final int b = bits & 0xFF;
        final int sign = (b & 0x80) != 0 ? -1 : 1;
        final int exponent = (b >>> 3) & 0xF;
        final int mantissa = b & 0x7;
        if (exponent == 0xF && mantissa == 0x7) {
            return Float.NaN;
        }
        if (exponent == 0) {
            return sign * (mantissa / 8f) * (float) Math.pow(2, -6);
        }
        return sign * (1 + mantissa / 8f) * (float) Math.pow(2, exponent - 7);
    }

    /** float8 e5m2: bias 15, IEEE-like with infinities and NaN. */
    public static float f8e5m2ToFloat(final byte bits) {
        return Float.float16ToFloat((short) ((bits & 0xFF) << 8));
    }
}
