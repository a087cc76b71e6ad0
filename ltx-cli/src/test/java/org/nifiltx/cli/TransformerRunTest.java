package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;

/** {@code ltx run transformer} reproduces every transformer fixture output from contract-named inputs, both layouts. */
class TransformerRunTest {
    @TempDir
    Path dir;

    private Tensor run(final String model, final TensorBundle inputs, final String name) {
        final Path in = dir.resolve(name + "-in.safetensors");
        final Path out = dir.resolve(name + "-out.safetensors");
        SafeTensors.write(in, inputs);
        final CliHarness.Result result = CliHarness.run("run", "transformer", "--model", model, "--inputs", in.toString(),
                "--output", out.toString(), "--precision", "fp32");
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(out).get("out");
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void forwardOutputsForBothTimestepFormsAndBothPositionForms(final String modelPath) {
        final String model = CliHarness.fixture(modelPath).toString();
        final TensorBundle fixture = SafeTensors.read(CliHarness.fixture("cases/transformer_forward/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/transformer_forward/outputs.safetensors"));
        for (final String timestep : new String[] {"scalar", "per_token"}) {
            for (final String coords : new String[] {"grid", "causal_coords"}) {
                final Map<String, Tensor> inputs = new LinkedHashMap<>();
                inputs.put("hidden_states", fixture.get("hidden_states"));
                inputs.put("encoder_hidden_states", fixture.get("encoder_hidden_states"));
                inputs.put("encoder_attention_mask", fixture.get("encoder_attention_mask"));
                inputs.put("timestep", fixture.get(timestep.equals("scalar") ? "timestep" : "timestep_per_token"));
                inputs.put("video_coords", fixture.get(coords.equals("grid") ? "video_coords_grid" : "video_coords_causal"));
                final String output = "out_" + timestep + "_" + coords;
                Parity.assertClose(expected.get(output), run(model, TensorBundle.of(inputs), output), modelPath + " " + output);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void spatioTemporalGuidanceCase(final String modelPath) {
        final TensorBundle inputs = SafeTensors.read(CliHarness.fixture("cases/transformer_stg/inputs.safetensors"));
        final Tensor expected = SafeTensors.read(CliHarness.fixture("cases/transformer_stg/outputs.safetensors")).get("out");
        Parity.assertClose(expected, run(CliHarness.fixture(modelPath).toString(), inputs, "stg"), modelPath + " stg");
    }
}
