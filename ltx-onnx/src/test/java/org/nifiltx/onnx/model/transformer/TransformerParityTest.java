package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.SessionConfig;

/** The transformer graph against the reference outputs of the tiny fixture, for both layouts and both targets. */
class TransformerParityTest {
    static Stream<Arguments> layoutsAndTargets() {
        return Stream.of("model/ltxv-tiny.safetensors", "model/diffusers")
                .flatMap(layout -> Stream.of(Target.values()).map(target -> Arguments.of(layout, target)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("layoutsAndTargets")
    void forwardMatchesReference(final String layout, final Target target) {
        final TensorBundle inputs = SafeTensors.read(TransformerFixtures.resource("cases/transformer_forward/inputs.safetensors"));
        final TensorBundle outputs = SafeTensors.read(TransformerFixtures.resource("cases/transformer_forward/outputs.safetensors"));
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TransformerFixtures.resource(layout));
        try (TransformerRunner runner = TransformerRunner.open(checkpoint, target, SessionConfig.cpu())) {
            for (final String timestepForm : new String[] {"scalar", "per_token"}) {
                for (final String coordsForm : new String[] {"grid", "causal"}) {
                    final Map<String, Tensor> feed = new LinkedHashMap<>();
                    feed.put("hidden_states", inputs.get("hidden_states"));
                    feed.put("encoder_hidden_states", inputs.get("encoder_hidden_states"));
                    feed.put("encoder_attention_mask", inputs.get("encoder_attention_mask"));
                    feed.put("timestep", inputs.get(timestepForm.equals("scalar") ? "timestep" : "timestep_per_token"));
                    feed.put("video_coords", inputs.get("video_coords_" + coordsForm));
                    final String reference = "out_" + timestepForm + "_" + (coordsForm.equals("grid") ? "grid" : "causal_coords");
                    final Tensor out = runner.run(TensorBundle.of(feed)).get("out");
                    TransformerFixtures.assertClose(layout + " " + target + " " + reference, outputs.get(reference), out);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("layoutsAndTargets")
    void spatioTemporalGuidanceMatchesReference(final String layout, final Target target) {
        final TensorBundle inputs = SafeTensors.read(TransformerFixtures.resource("cases/transformer_stg/inputs.safetensors"));
        final TensorBundle outputs = SafeTensors.read(TransformerFixtures.resource("cases/transformer_stg/outputs.safetensors"));
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TransformerFixtures.resource(layout));
        try (TransformerRunner runner = TransformerRunner.open(checkpoint, target, SessionConfig.cpu())) {
            final Tensor out = runner.run(inputs).get("out");
            TransformerFixtures.assertClose(layout + " " + target + " stg out", outputs.get("out"), out);
            // without the mask (all ones) item 1 is no longer perturbed: the reference must then be missed clearly
            final Map<String, Tensor> unperturbed = new LinkedHashMap<>(inputs.tensors());
            unperturbed.remove("skip_layer_mask");
            final double error = TransformerFixtures.relativeError(outputs.get("out"), runner.run(TensorBundle.of(unperturbed)).get("out"));
            assertTrue(error > 1e-2, "skip_layer_mask had no visible effect (error without it: " + error + ")");
        }
    }
}
