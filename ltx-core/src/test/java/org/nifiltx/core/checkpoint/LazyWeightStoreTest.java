package org.nifiltx.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.tensor.Tensor;

/** A store of lazy weights answers everything but values from shapes, and makes a weight at each get, keeping none. */
class LazyWeightStoreTest {
    private final AtomicInteger loads = new AtomicInteger();

    private LazyTensor counted(final float value, final long... shape) {
        return LazyTensor.of(DType.F32, shape, () -> {
            loads.incrementAndGet();
            final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
            java.util.Arrays.fill(values, value);
            return Tensor.ofFloats(shape, values);
        }, () -> ByteBuffer.wrap(new byte[] {(byte) value}));
    }

    private WeightStore store() {
        final Map<String, LazyTensor> w = new LinkedHashMap<>();
        w.put("block.0.q.weight", counted(1f, 3, 2));
        w.put("block.0.norm.weight", counted(2f, 2));
        w.put("embedding.weight", counted(3f, 5, 2));
        return WeightStore.lazy("text encoder", w);
    }

    @Test
    void namesShapesCountsAndFingerprintBytesLoadNothing() {
        final WeightStore store = store();
        final WeightStore block = store.scoped("block.0");
        assertEquals(Set.of("q.weight", "norm.weight"), block.keys());
        assertTrue(block.contains("q.weight"));
        assertArrayEquals(new long[] {3, 2}, block.lazy("q.weight", 3, 2).shape());
        assertEquals(DType.F32, block.lazy("q.weight").dtype());
        assertEquals(18, store.parameterCount());
        assertEquals(Map.of(DType.F32, 18L), store.parametersByDtype());
        assertEquals(3, store.lazy("embedding.weight").storedBytes().get(0));
        assertEquals(0, loads.get());
    }

    @Test
    void aWrongShapeFailsBeforeLoading() {
        final LtxException e = assertThrows(LtxException.class, () -> store().scoped("block.0").get("q.weight", 2, 3));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("checkpoint text encoder weight 'block.0.q.weight' has shape [3, 2], the config implies [2, 3]",
                e.getMessage());
        assertEquals(0, loads.get());
    }

    @Test
    void everyGetMakesTheWeightAnew() {
        final WeightStore store = store();
        final Tensor first = store.get("embedding.weight", 5, 2);
        final Tensor second = store.get("embedding.weight");
        assertNotSame(first, second);
        assertArrayEquals(first.toFloatArray(), second.toFloatArray());
        assertEquals(2, loads.get());
        assertEquals(2f, store.find("block.0.norm.weight").orElseThrow().toFloatArray()[0]);
        assertEquals(3, loads.get());
    }

    @Test
    void aLoadThatBreaksItsDeclarationIsRefused() {
        final WeightStore store = WeightStore.lazy("vae", Map.of("w", LazyTensor.of(DType.F32, new long[] {2},
                () -> Tensor.ofFloats(new long[] {3}, new float[3]), () -> ByteBuffer.allocate(0))));
        final LtxException e = assertThrows(LtxException.class, () -> store.get("w"));
        assertEquals("a lazy tensor declared F32 [2] but loaded Tensor[F32 [3]]", e.getMessage());
    }

    @Test
    void tensorsInMemoryLoadAsThemselves() {
        final Tensor t = Tensor.ofFloats(new long[] {2}, new float[] {1, 2});
        final WeightStore store = new WeightStore("vae", Map.of("w", t));
        assertTrue(store.get("w") == t);
        assertEquals(t.data(), store.lazy("w").storedBytes());
    }
}
