package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;

/** {@code ltx run text-encoder} reproduces the T5 fixtures from ids or from prompts, from safetensors or GGUF weights. */
class TextEncoderRunTest {
    @TempDir
    Path dir;

    private TensorBundle run(final String model, final String... extra) {
        final Path out = dir.resolve("out-" + System.nanoTime() + ".safetensors");
        final String[] args = new String[8 + extra.length];
        System.arraycopy(new String[] {"run", "text-encoder", "--model", model, "--output", out.toString(), "--precision", "fp32"},
                0, args, 0, 8);
        System.arraycopy(extra, 0, args, 8, extra.length);
        final CliHarness.Result result = CliHarness.run(args);
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(out);
    }

    @Test
    void maskedAndUnmaskedEmbeddingsFromIds() {
        final String inputs = CliHarness.fixture("cases/t5_tokenize_encode/inputs.safetensors").toString();
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/t5_tokenize_encode/outputs.safetensors"));
        final String model = CliHarness.fixture("model/diffusers").toString();
        Parity.assertClose(expected.get("last_hidden_state_masked"), run(model, "--inputs", inputs).get("last_hidden_state"), "masked");
        Parity.assertClose(expected.get("last_hidden_state_unmasked"), run(model, "--inputs", inputs, "--no-mask").get("last_hidden_state"),
                "unmasked");
    }

    @Test
    void ggufWeightsReproduceTheGgufReference() {
        final String inputs = CliHarness.fixture("cases/t5_gguf_encode/inputs.safetensors").toString();
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/t5_gguf_encode/outputs.safetensors"));
        final String model = CliHarness.fixture("model/text_encoder.gguf").toString();
        Parity.assertClose(expected.get("last_hidden_state_masked"), run(model, "--inputs", inputs).get("last_hidden_state"), "gguf masked");
        Parity.assertClose(expected.get("last_hidden_state_unmasked"), run(model, "--inputs", inputs, "--no-mask").get("last_hidden_state"),
                "gguf unmasked");
    }

    @Test
    void everyFixturePromptReproducesItsRow() throws IOException {
        final JsonNode params = new ObjectMapper().readTree(Files.readString(CliHarness.fixture("cases/t5_tokenize_encode/params.json")));
        final TensorBundle inputs = SafeTensors.read(CliHarness.fixture("cases/t5_tokenize_encode/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/t5_tokenize_encode/outputs.safetensors"));
        final long[] ids = inputs.get("input_ids").toLongArray();
        final long[] mask = inputs.get("attention_mask").toLongArray();
        final float[] hidden = expected.get("last_hidden_state_masked").toFloatArray();
        final int length = 128;
        final int width = 24;
        for (final String model : new String[] {CliHarness.fixture("model/diffusers").toString(),
                CliHarness.fixture("model/text_encoder.gguf").toString()}) {
            for (int row = 0; row < params.get("prompts").size(); row++) {
                final TensorBundle out = run(model, "--prompt", params.get("prompts").get(row).asText(), "--max-length", "128");
                assertArrayEquals(new long[] {1, length}, out.get("input_ids").shape());
                assertArrayEquals(Arrays.copyOfRange(ids, row * length, (row + 1) * length), out.get("input_ids").toLongArray(), "ids row " + row);
                assertArrayEquals(Arrays.copyOfRange(mask, row * length, (row + 1) * length), out.get("attention_mask").toLongArray(),
                        "mask row " + row);
                assertArrayEquals(new long[] {1, length, width}, out.get("last_hidden_state").shape());
                if (model.endsWith("diffusers")) {
                    Parity.assertClose(Arrays.copyOfRange(hidden, row * length * width, (row + 1) * length * width),
                            out.get("last_hidden_state").toFloatArray(), "prompt row " + row);
                }
            }
        }
    }
}
