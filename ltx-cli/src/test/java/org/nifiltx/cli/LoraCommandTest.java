package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;

/** {@code --lora FILE[:SCALE]} on {@code ltx run transformer} and {@code ltx generate}, and the pipeline config's {@code lora}. */
class LoraCommandTest {
    private static final String LORA = CliHarness.fixture("model/lora/ltx-lora-diffusers.safetensors").toString();
    private static final String KOHYA = CliHarness.fixture("model/lora/ltx-lora-comfy-alpha.safetensors").toString();
    private static final TensorBundle EXPECTED = SafeTensors.read(CliHarness.fixture("cases/lora_transformer/outputs.safetensors"));

    @TempDir
    Path dir;

    private CliHarness.Result runTransformer(final String model, final String... loraArgs) {
        final List<String> args = new ArrayList<>(List.of("run", "transformer", "--model", model, "--inputs",
                CliHarness.fixture("cases/lora_transformer/inputs.safetensors").toString(), "--output",
                dir.resolve("out.safetensors").toString(), "--precision", "fp32"));
        args.addAll(Arrays.asList(loraArgs));
        return CliHarness.run(args.toArray(String[]::new));
    }

    private Tensor out(final CliHarness.Result result) {
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(dir.resolve("out.safetensors")).get("out");
    }

    private void assertError(final int exitCode, final String line, final CliHarness.Result result) {
        assertEquals(exitCode, result.exitCode(), result.err());
        assertEquals("ltx: " + line + "\n", result.err());
        assertFalse(Files.exists(dir.resolve("out.safetensors")), "no output on error");
    }

    @Test
    void runTransformerMergesTheLoraAtTheGivenScale() {
        final String model = CliHarness.fixture("model/ltxv-tiny.safetensors").toString();
        Parity.assertClose(EXPECTED.get("out"), out(runTransformer(model, "--lora", LORA + ":0.75")), "--lora x0.75");
        Parity.assertClose(EXPECTED.get("out_scale_1"), out(runTransformer(model, "--lora", KOHYA)), "--lora (scale 1)");
        // repeated adapters add up: 0.5 + 0.25 of the same adapter is 0.75
        Parity.assertClose(EXPECTED.get("out"), out(runTransformer(CliHarness.fixture("model/diffusers").toString(),
                "--lora", LORA + ":0.5", "--lora", KOHYA + ":0.25")), "--lora x0.5 --lora x0.25");
    }

    @Test
    void badLoraOptionsFailBeforeAnyModelIsLoaded() throws IOException {
        assertError(2, "LoRA 'style.safetensors:strong': scale 'strong' is not a number; expected FILE[:SCALE], e.g. "
                + "style.safetensors:0.8", runTransformer("/nope/model", "--lora", "style.safetensors:strong"));
        assertError(3, "LoRA not found: /nope/style.safetensors", runTransformer("/nope/model", "--lora", "/nope/style.safetensors:0.5"));
        assertError(2, "--lora applies to the transformer component only", CliHarness.run("run", "vae-decode", "--model",
                "/nope/model", "--inputs", "/nope/in.safetensors", "--output", dir.resolve("out.safetensors").toString(), "--lora", LORA));
        assertError(2, "LoRA 'style.safetensors:strong': scale 'strong' is not a number; expected FILE[:SCALE], e.g. "
                + "style.safetensors:0.8", CliHarness.run("generate", "--prompt", "a fox", "--model", "/nope/model", "--output",
                dir.resolve("out.mp4").toString(), "--lora", "style.safetensors:strong"));
        final Path corrupt = dir.resolve("corrupt.safetensors");
        Files.write(corrupt, new byte[] {1, 2, 3});
        assertError(4, "corrupt safetensors file " + corrupt + ": file is 3 bytes, too short for the 8-byte header length",
                runTransformer(CliHarness.fixture("model/ltxv-tiny.safetensors").toString(), "--lora", corrupt.toString()));
    }

    @Test
    void aLoraOfAnotherModelIsACheckpointMismatch() {
        final Path other = dir.resolve("other.safetensors");
        SafeTensors.write(other, TensorBundle.of(java.util.Map.of(
                "diffusion_model.transformer_blocks.40.attn1.to_q.lora_A.weight", Tensor.ofFloats(new long[] {1, 32}, new float[32]),
                "diffusion_model.transformer_blocks.40.attn1.to_q.lora_B.weight", Tensor.ofFloats(new long[] {32, 1}, new float[32]))));
        assertError(4, "LoRA " + other + " does not fit this transformer: 1 of 1 adapted modules have no weight here (a LoRA for "
                + "another model?): transformer_blocks.40.attn1.to_q.weight",
                runTransformer(CliHarness.fixture("model/ltxv-tiny.safetensors").toString(), "--lora", other.toString()));
    }

    @Test
    void generateTakesTheLoraFromTheOptionOrThePipelineConfig() throws IOException {
        final String settings = "guidance_scale: 1\nstg_scale: 0\ntimesteps: [1.0, 0.725]\n";
        final Path plainConfig = config("plain.yaml", settings);
        final Path loraConfig = config("lora.yaml", settings + "lora:\n  - path: "
                + plainConfig.getParent().relativize(Path.of(LORA)) + "\n    scale: 0.75\n");
        final byte[] plain = frames("plain.safetensors", "--pipeline-config", plainConfig.toString());
        final byte[] option = frames("option.safetensors", "--pipeline-config", plainConfig.toString(), "--lora", LORA + ":0.75");
        assertFalse(Arrays.equals(plain, option), "the LoRA changed nothing");
        assertArrayEquals(option, frames("config.safetensors", "--pipeline-config", loraConfig.toString()));
        // an explicit --lora replaces the config's list
        assertArrayEquals(plain, frames("override.safetensors", "--pipeline-config", loraConfig.toString(), "--lora", LORA + ":0"));
    }

    private Path config(final String name, final String text) throws IOException {
        final Path file = dir.resolve("configs").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private byte[] frames(final String output, final String... extra) {
        final List<String> args = new ArrayList<>(List.of("generate", "--prompt", "a red fox", "--model",
                CliHarness.fixture("model/diffusers").toString(), "--output", dir.resolve(output).toString()));
        args.addAll(List.of("--num-frames", "9", "--height", "64", "--width", "96", "--max-length", "32", "--seed", "5",
                "--precision", "fp32"));
        args.addAll(Arrays.asList(extra));
        final CliHarness.Result result = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(dir.resolve(output)).get("frames_uint8").toByteArray();
    }
}
