package org.nifiltx.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.gguf.T5GgufWeights;
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.model.t5.T5Encoder;

/**
 * The int8 T5 from a GGUF file dequantizes each weight once, when its layer is built (then quantizes it), never to
 * fingerprint the weights for the cache, and not at all for block linears the weight cache already holds.
 */
class LazyGgufInt8BuildTest {
    private final Map<String, Integer> loads = new TreeMap<>();
    private final T5GgufWeights gguf = T5GgufWeights.read(TinyFixtures.path("model/text_encoder.gguf"));

    /** The GGUF store with every load counted by key. */
    private WeightStore counted() {
        final WeightStore source = gguf.weights();
        final Map<String, LazyTensor> out = new LinkedHashMap<>();
        for (final String key : source.keys()) {
            final LazyTensor lazy = source.lazy(key);
            out.put(key, LazyTensor.of(lazy.dtype(), lazy.shape(), () -> {
                loads.merge(key, 1, Integer::sum);
                return lazy.load();
            }, lazy::storedBytes));
        }
        return WeightStore.lazy(source.component(), out);
    }

    private static boolean blockLinear(final String key) {
        return key.matches("encoder\\.block\\.\\d+\\.layer\\.(0\\.SelfAttention\\.[qkvo]|1\\.DenseReluDense\\.(wi_0|wi_1|wo))\\.weight");
    }

    @Test
    void fingerprintingLoadsNothing() {
        final WeightStore weights = counted();
        assertEquals(QuantizedWeightCache.key(Precision.INT8, gguf.weights()), QuantizedWeightCache.key(Precision.INT8, weights));
        assertEquals(Map.of(), loads);
    }

    @Test
    void eachWeightIsLoadedOnceOnAMissAndBlockLinearsNotAtAllOnAHit() {
        final WeightStore weights = counted();
        final QuantizedWeights miss = QuantizedWeights.inMemory();
        T5Encoder.build(gguf.config(), weights, true, Target.ONNX_RUNTIME, new NumericPolicy(Precision.INT8, miss));
        final Map<String, Integer> once = new TreeMap<>();
        weights.keys().forEach(k -> once.put(k, 1));
        assertEquals(once, loads);
        // 2 layers × (q, k, v, o, wi_0, wi_1, wo), each an int8 tensor and a scale
        assertEquals(28, miss.computed().size());

        loads.clear();
        T5Encoder.build(gguf.config(), weights, true, Target.ONNX_RUNTIME,
                new NumericPolicy(Precision.INT8, QuantizedWeights.preloaded(miss.computed())));
        final Map<String, Integer> fp32Only = new TreeMap<>();
        weights.keys().stream().filter(k -> !blockLinear(k)).forEach(k -> fp32Only.put(k, 1));
        assertEquals(fp32Only, loads);
        assertTrue(fp32Only.containsKey("shared.weight"));
        assertEquals(weights.keys().size() - 14, fp32Only.size());
    }
}
