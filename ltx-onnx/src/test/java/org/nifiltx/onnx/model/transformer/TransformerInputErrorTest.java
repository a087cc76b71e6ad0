package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.SessionConfig;

/** Bad inputs are rejected before any work with the contract's exact messages. */
class TransformerInputErrorTest {
    private static TransformerRunner runner;
    private static TensorBundle valid;

    @BeforeAll
    static void open() {
        runner = TransformerRunner.open(LtxCheckpoint.open(TransformerFixtures.resource("model/ltxv-tiny.safetensors")),
                Target.ONNX_RUNTIME, SessionConfig.cpu());
        final TensorBundle fixture = SafeTensors.read(TransformerFixtures.resource("cases/transformer_stg/inputs.safetensors"));
        final Map<String, Tensor> feed = new LinkedHashMap<>(fixture.tensors());
        feed.remove("skip_layer_mask");
        valid = TensorBundle.of(feed);
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    @Test
    void validInputsRun() {
        assertEquals(16, runner.run(valid).get("out").dim(2));
    }

    @Test
    void wrongChannelCountIsRejected() {
        final TensorBundle bad = valid.with("hidden_states", Tensor.ofFloats(new long[] {2, 12, 15}, new float[2 * 12 * 15]));
        final LtxException e = assertThrows(LtxException.class, () -> runner.run(bad));
        assertEquals(LtxErrorCode.INVALID_TENSOR, e.code());
        assertEquals("transformer: input 'hidden_states' has shape [2, 12, 15], expected [B, N, 16]", e.getMessage());
    }

    @Test
    void missingVideoCoordsIsRejected() {
        final Map<String, Tensor> feed = new LinkedHashMap<>(valid.tensors());
        feed.remove("video_coords");
        final LtxException e = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(feed)));
        assertEquals(LtxErrorCode.INVALID_TENSOR, e.code());
        assertEquals("transformer: missing input tensor 'video_coords' (expected shape [B, 3, N])", e.getMessage());
    }

    @Test
    void nanInHiddenStatesIsRejected() {
        final float[] values = valid.get("hidden_states").toFloatArray();
        values[5] = Float.NaN;
        final TensorBundle bad = valid.with("hidden_states", Tensor.ofFloats(new long[] {2, 12, 16}, values));
        final LtxException e = assertThrows(LtxException.class, () -> runner.run(bad));
        assertEquals(LtxErrorCode.NON_FINITE, e.code());
        assertEquals("tensor 'hidden_states' holds NaN at flat index 5; every value must be finite", e.getMessage());
    }

    @Test
    void patchSizesOtherThanOneAreRefusedByName() {
        final TransformerConfig config = new TransformerConfig(1, 2, 16, 16, 16,
                32, 24, 2, 1, 1e-6, 1e-5, 10000.0, new int[] {20, 2048, 2048}, 1000.0, Optional.empty());
        final LtxException e = assertThrows(
                LtxException.class, () -> Transformer3D.build(config,
                        new WeightStore("transformer", Map.of()), Target.ONNX_RUNTIME));
        assertEquals(LtxErrorCode.UNSUPPORTED, e.code());
        assertEquals("transformer patch size (t, h, w) = (1, 2, 2) is not supported; LTX-Video 0.9.x uses (1, 1, 1)", e.getMessage());
    }
}
