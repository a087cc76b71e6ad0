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

    /** Largest finite float8 e4m3fn value. */
    public static final float F8E4M3_MAX = 448f;

    /** The 127 non-negative finite e4m3fn values, ascending; index = byte code (0x00..0x7E). */
    private static final float[] E4M3_POSITIVE = new float[0x7F];

    static {
        for (int b = 0; b < E4M3_POSITIVE.length; b++) {
            E4M3_POSITIVE[b] = f8e4m3ToFloat((byte) b);
        }
    }

    /**
     * float32 to float8 e4m3fn as ONNX QuantizeLinear (saturate=1) and torch casts do: round to nearest, ties to even
     * (the even code, whose last bit is the mantissa's), beyond ±448 saturated to ±448, NaN to 0x7F.
     */
    public static byte floatToF8e4m3(final float value) {
        if (Float.isNaN(value)) {
            return 0x7F;
        }
        final int sign = value < 0 || (value == 0 && 1 / value < 0) ? 0x80 : 0;
        final float magnitude = Math.abs(value);
        int code;
        if (magnitude >= F8E4M3_MAX) {
            code = 0x7E;
        } else {
            // the largest code whose value is <= magnitude, then the nearer of it and the next one
            int low = 0;
            int high = 0x7E;
            while (low < high) {
                final int mid = (low + high + 1) >>> 1;
                if (E4M3_POSITIVE[mid] <= magnitude) {
                    low = mid;
                } else {
                    high = mid - 1;
                }
            }
            code = low;
            if (code < 0x7E) {
                final float below = magnitude - E4M3_POSITIVE[code];
                final float above = E4M3_POSITIVE[code + 1] - magnitude;
                if (above < below || (above == below && (code & 1) == 1)) {
                    code++;
                }
            }
        }
        return (byte) (sign | code);
    }

    /** float8 e5m2: bias 15, IEEE-like with infinities and NaN. */
    public static float f8e5m2ToFloat(final byte bits) {
        return Float.float16ToFloat((short) ((bits & 0xFF) << 8));
    }
}
