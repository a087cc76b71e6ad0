package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.proto.OnnxProto;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * A bf16 checkpoint keeps its weights in bf16 inside the graph (cast to fp32 in-graph for ORT CPU) and computes what
 * the fp32 graph computes on the bf16-rounded weights.
 */
class TransformerBf16WeightsTest {
    private static WeightStore toBf16(final WeightStore weights, final boolean roundOnly) {
        final Map<String, Tensor> out = new LinkedHashMap<>();
        for (final String key : weights.keys()) {
            final float[] values = weights.get(key).toFloatArray();
            final byte[] bytes = new byte[values.length * 2];
            final float[] rounded = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                final short bits = FloatFormats.floatToBf16(values[i]);
                bytes[2 * i] = (byte) bits;
                bytes[2 * i + 1] = (byte) (bits >> 8);
                rounded[i] = FloatFormats.bf16ToFloat(bits);
            }
            out.put(key, roundOnly ? Tensor.ofFloats(weights.get(key).shape(), rounded)
                    : Tensor.ofBytes(DType.BF16, weights.get(key).shape(), bytes));
        }
        return new WeightStore("transformer", out);
    }

    @Test
    void bf16WeightsStayBf16InTheGraphAndMatchFp32OnRoundedWeights() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TransformerFixtures.resource("model/ltxv-tiny.safetensors"));
        final WeightStore bf16 = toBf16(checkpoint.transformerWeights(), false);
        final GraphBuilder graph = Transformer3D.build(checkpoint.transformerConfig(), bf16, Target.ONNX_RUNTIME);
        int bf16Initializers = 0;
        for (final OnnxProto.TensorProto init : graph.buildInline().getGraph().getInitializerList()) {
            if (init.getDataType() == OnnxProto.TensorProto.DataType.BFLOAT16_VALUE) {
                bf16Initializers++;
            }
        }
        assertEquals(bf16.keys().size(), bf16Initializers, "every checkpoint weight is stored as bf16");

        final TensorBundle fixture = SafeTensors.read(TransformerFixtures.resource("cases/transformer_forward/inputs.safetensors"));
        final Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("hidden_states", fixture.get("hidden_states"));
        inputs.put("encoder_hidden_states", fixture.get("encoder_hidden_states"));
        inputs.put("encoder_attention_mask", fixture.get("encoder_attention_mask"));
        inputs.put("timestep", fixture.get("timestep"));
        inputs.put("video_coords", fixture.get("video_coords_causal"));
        final TensorBundle in = TensorBundle.of(inputs);
        final Tensor fromBf16;
        try (TransformerRunner runner = TransformerRunner.create(checkpoint.transformerConfig(), bf16, Target.ONNX_RUNTIME,
                SessionConfig.cpu())) {
            fromBf16 = runner.run(in).get("out");
        }
        final Tensor fromRounded;
        try (TransformerRunner runner = TransformerRunner.create(checkpoint.transformerConfig(),
                toBf16(checkpoint.transformerWeights(), true), Target.ONNX_RUNTIME, SessionConfig.cpu())) {
            fromRounded = runner.run(in).get("out");
        }
        final double error = TransformerFixtures.relativeError(fromRounded, fromBf16);
        assertTrue(error <= 1e-6, "bf16 graph vs fp32 graph on rounded weights: " + error);
        final Tensor reference = SafeTensors.read(TransformerFixtures.resource("cases/transformer_forward/outputs.safetensors"))
                .get("out_scalar_causal_coords");
        final double bf16Rounding = TransformerFixtures.relativeError(reference, fromBf16);
        assertTrue(bf16Rounding > 1e-6 && bf16Rounding < 5e-2, "bf16 weights move the output by bf16 rounding only: " + bf16Rounding);
    }
}
