package org.nifiltx.onnx.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nifiltx.core.safetensors.SafeTensorsAppender;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.QuantizedWeights;

/**
 * The store of a weight-cache miss: each weight it makes is appended to the cache file being written and used from
 * there (mapped), so a component's reduced weights never all sit in the process's memory at once, and ONNX Runtime maps
 * them from the file rather than copying them ({@link MappedInitializers}). A bf16 T5-XXL made from a float32
 * checkpoint held 9.8 GB in Java plus ONNX Runtime's copy while its session was created; now neither.
 */
final class SpillingWeights extends QuantizedWeights {
    private final SafeTensorsAppender file;

    SpillingWeights(final SafeTensorsAppender file) {
        super(java.util.Map.of());
        this.file = file;
    }

    SafeTensorsAppender file() {
        return file;
    }

    @Override
    protected Tensor keep(final String key, final Tensor made) {
        return super.keep(key, file.append(key, made));
    }

    /** Heap, not direct: the bytes are garbage once written, and the heap collects them as it fills. */
    @Override
    protected ByteBuffer allocate(final int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
