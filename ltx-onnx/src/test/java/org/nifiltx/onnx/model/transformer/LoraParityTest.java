package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.lora.LoraMerge;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Case lora_transformer: the transformer with a LoRA merged at load against diffusers' unfused PEFT layers, for the three
 * spellings of the same adapter (diffusers/PEFT with metadata alpha, ComfyUI without alpha, kohya with .alpha) and both
 * checkpoint layouts, at the two reference scales.
 */
class LoraParityTest {
    private static final TensorBundle INPUTS = TinyFixtures.read("cases/lora_transformer/inputs.safetensors");
    private static final TensorBundle OUTPUTS = TinyFixtures.read("cases/lora_transformer/outputs.safetensors");

    static Stream<Arguments> layoutsAndFiles() {
        return Stream.of("model/ltxv-tiny.safetensors", "model/diffusers").flatMap(layout -> Stream.of(
                "ltx-lora-diffusers.safetensors", "ltx-lora-comfy.safetensors", "ltx-lora-comfy-alpha.safetensors")
                .map(file -> Arguments.of(layout, file)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("layoutsAndFiles")
    void mergedLoraMatchesDiffusersAtBothScales(final String layout, final String file) {
        final LtxCheckpoint base = LtxCheckpoint.open(TinyFixtures.path(layout));
        for (final Object[] scaleAndOutput : new Object[][] {{0.75, "out"}, {1.0, "out_scale_1"}}) {
            final LtxCheckpoint merged = LoraMerge.apply(base,
                    List.of(new LoraSpec(TinyFixtures.path("model/lora/" + file), (double) scaleAndOutput[0])));
            try (TransformerRunner runner = TransformerRunner.open(merged, Target.ONNX_RUNTIME, SessionConfig.cpu())) {
                TransformerFixtures.assertClose(layout + " " + file + " scale " + scaleAndOutput[0],
                        OUTPUTS.get((String) scaleAndOutput[1]), runner.run(INPUTS).get("out"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void withoutTheLoraTheReferenceIsMissedClearly(final String layout) {
        try (TransformerRunner runner = TransformerRunner.open(LtxCheckpoint.open(TinyFixtures.path(layout)), Target.ONNX_RUNTIME,
                SessionConfig.cpu())) {
            final double error = TransformerFixtures.relativeError(OUTPUTS.get("out"), runner.run(INPUTS).get("out"));
            // the README measures 0.206 between the base model and the LoRA at 0.75
            assertTrue(error > 0.1, "the LoRA makes no visible difference: " + error);
        }
    }

    static Stream<String> layouts() {
        return Stream.of("model/ltxv-tiny.safetensors", "model/diffusers");
    }
}
