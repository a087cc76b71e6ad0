package org.nifiltx.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** A range of elements widened to float32, as weights are read a row at a time. */
class TensorReadFloatsTest {
    private static final float[] VALUES = {1f, -2.5f, 0.375f, 65504f, -0f, 3f};

    private static Tensor narrow(final DType dtype) {
        final ByteBuffer bytes = ByteBuffer.allocate(VALUES.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (final float v : VALUES) {
            bytes.putShort(dtype == DType.BF16 ? FloatFormats.floatToBf16(v) : FloatFormats.floatToF16(v));
        }
        return new Tensor(dtype, new long[] {2, 3}, bytes.flip());
    }

    @Test
    void aRowOfEveryWeightDtypeMatchesTheWholeConversion() {
        for (final Tensor t : new Tensor[] {Tensor.ofFloats(new long[] {2, 3}, VALUES), narrow(DType.BF16), narrow(DType.F16)}) {
            final float[] row = new float[3];
            t.readFloats(3, row);
            final float[] whole = t.toFloatArray();
            assertArrayEquals(new float[] {whole[3], whole[4], whole[5]}, row, t.dtype().name());
            t.readFloats(1, row);
            assertArrayEquals(new float[] {whole[1], whole[2], whole[3]}, row, t.dtype().name());
        }
        // bf16 keeps 8 mantissa bits: 65504 rounds to 65536; f16 holds it exactly
        assertEquals(65536f, narrow(DType.BF16).toFloatArray()[3]);
        assertEquals(65504f, narrow(DType.F16).toFloatArray()[3]);
    }

    @Test
    void aRangePastTheEndIsRefused() {
        final IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> Tensor.ofFloats(new long[] {2, 3}, VALUES).readFloats(4, new float[3]));
        assertEquals("elements 4..7 of 6", e.getMessage());
    }
}
