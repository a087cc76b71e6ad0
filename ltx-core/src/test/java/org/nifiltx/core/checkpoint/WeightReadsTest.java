package org.nifiltx.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/** A recording store writes down every read with its implied shape and stands in zeros where a weight is missing or misshaped. */
class WeightReadsTest {
    private static final Tensor TABLE = Tensor.ofFloats(new long[] {2, 3}, new float[6]);
    private static final WeightStore STORE = new WeightStore("transformer", Map.of("block.table", TABLE,
            "block.scale", Tensor.ofFloats(new long[] {1}, new float[] {2f})));

    @Test
    void everyReadIsRecordedOnceWithItsShape() {
        final WeightReads reads = new WeightReads();
        final WeightStore block = STORE.recording(reads).scoped("block");
        assertSame(TABLE, block.get("table", 2, 3));
        assertSame(TABLE, block.get("table", 2, 3));
        final Tensor misshaped = block.get("table", 2, 4);
        assertArrayEquals(new long[] {2, 4}, misshaped.shape());
        final Tensor missing = block.get("proj.weight", 5, 3);
        assertArrayEquals(new float[15], missing.toFloatArray());
        assertEquals(2f, block.get("scale").toFloatArray()[0]);
        assertArrayEquals(new long[0], block.get("absent").shape());
        final List<WeightReads.Read> recorded = reads.reads();
        assertEquals(List.of("block.table", "block.proj.weight", "block.scale", "block.absent"),
                recorded.stream().map(WeightReads.Read::key).toList());
        assertArrayEquals(new long[] {2, 3}, recorded.get(0).shape());
        assertNull(recorded.get(2).shape());
    }

    @Test
    void aPlainStoreStillFailsByTheFullKey() {
        final LtxException e = assertThrows(LtxException.class, () -> STORE.scoped("block").get("proj.weight", 5, 3));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("checkpoint transformer weights lack 'block.proj.weight'", e.getMessage());
        assertEquals(3, STORE.dim("block.table", 1, 7));
        assertEquals(7, STORE.dim("block.proj.weight", 0, 7));
    }
}
