package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/** An allocation ONNX Runtime cannot satisfy becomes an OUT_OF_MEMORY error, and the session stays usable. */
class OnnxSessionOutOfMemoryTest {
    @Test
    void hugeAllocationIsOutOfMemoryAndTheSessionSurvives() {
        final GraphBuilder graph = new GraphBuilder("expand", Target.STANDARD_ONNX);
        final Value shape = graph.input("shape", DType.I64, 2);
        graph.output(graph.op("Expand", List.of(graph.scalar(1f), shape)), "y", DType.F32);
        try (OnnxSession session = OnnxSession.create(graph, SessionConfig.cpu())) {
            // 2^22 x 2^22 floats = 64 TiB: more than any machine here has, so the allocator must refuse it.
            final TensorBundle huge = TensorBundle.of(Map.of("shape", Tensor.ofLongs(new long[] {2}, new long[] {1L << 22, 1L << 22})));
            final LtxException e = assertThrows(LtxException.class, () -> session.run(huge));
            assertEquals(LtxErrorCode.OUT_OF_MEMORY, e.code(), e.getMessage());
            assertTrue(e.getMessage().startsWith("ONNX Runtime failed: out of memory ("), e.getMessage());
            final TensorBundle small = TensorBundle.of(Map.of("shape", Tensor.ofLongs(new long[] {2}, new long[] {2, 3})));
            assertEquals(6, session.run(small).get("y").toFloatArray().length);
        }
    }
}
