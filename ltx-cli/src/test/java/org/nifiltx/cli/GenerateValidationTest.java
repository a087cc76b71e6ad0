package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.core.testing.TinyFixtures;

/**
 * Every invalid value is one error line and a non-zero exit before any model is loaded. Values that need no model are
 * checked with a --model that does not exist (the error is still the value's); sizes need the VAE factors, so they use the
 * fixture model and must fail without writing any output.
 */
class GenerateValidationTest {
    @TempDir
    Path dir;

    private CliHarness.Result generate(final String model, final String... extra) {
        final List<String> args = new ArrayList<>(List.of("generate", "--prompt", "a red fox", "--output",
                dir.resolve("out.mp4").toString()));
        args.addAll(Arrays.asList(extra));
        args.addAll(List.of("--model", model));
        return CliHarness.run(args.toArray(String[]::new));
    }

    private void assertError(final int exitCode, final String line, final CliHarness.Result result) {
        assertEquals(exitCode, result.exitCode(), result.err());
        assertEquals("ltx: " + line + "\n", result.err());
        assertEquals("", result.out());
        assertFalse(Files.exists(dir.resolve("out.mp4")));
    }

    private String fixtureModel() {
        return CliHarness.fixture("model/diffusers").toString();
    }

    @Test
    void sizesAreCheckedAgainstTheVaeFactorsOfTheConfig() {
        assertError(2, "num-frames must be 8N+1 (1, 9, 17, ...), got 10", generate(fixtureModel(), "--num-frames", "10"));
        assertError(2, "height must be a positive multiple of 32, got 70", generate(fixtureModel(), "--height", "70"));
        assertError(2, "width must be a positive multiple of 32, got 0", generate(fixtureModel(), "--width", "0"));
        assertError(2, "guidance-scale must be a finite number >= 0, got -1.0", generate(fixtureModel(), "--guidance-scale", "-1"));
    }

    @Test
    void sizesThatCannotFitAreRefusedWithTheMemoryTheyNeed() {
        assertError(2, "100001 frames of 8192x8192 need about 183.3 TiB while decoding (decoded video 183.1 TiB, latents "
                + "146.5 GiB, VAE decode 4.8 MiB); the memory budget is " + MemoryBudget.format(MemoryBudget.defaultBytes()),
                generate(fixtureModel(), "--num-frames", "100001", "--height", "8192", "--width", "8192"));
        // 7.5 GiB while decoding: within half of this machine's memory, but the float32 video is one buffer
        Assumptions.assumeTrue(MemoryBudget.defaultBytes() > 8L << 30, "needs a default budget above 8 GiB");
        assertError(2, "257 frames of 1024x1024 make a decoded video [1, 3, 257, 1024, 1024] of 3.0 GiB in float32, more "
                + "than one buffer holds (2.0 GiB); at 1024x1024 at most 169 frames fit",
                generate(fixtureModel(), "--num-frames", "257", "--height", "1024", "--width", "1024"));
    }

    @Test
    void anOutputThatCannotBeWrittenFailsBeforeTheGeneration() throws Exception {
        final Path file = Files.writeString(dir.resolve("notes.txt"), "not a folder");
        final CliHarness.Result result = CliHarness.run("generate", "--prompt", "a red fox", "--model", fixtureModel(),
                "--output", file.resolve("out.mp4").toString());
        assertEquals(7, result.exitCode(), result.err());
        assertEquals("ltx: cannot write MP4 video " + file.resolve("out.mp4") + ": " + file + " exists and is not a directory\n",
                result.err());
        final CliHarness.Result latents = CliHarness.run("generate", "--prompt", "a red fox", "--model", fixtureModel(),
                "--output", dir.resolve("out.mp4").toString(), "--save-latents", file.resolve("latents.safetensors").toString());
        assertEquals(7, latents.exitCode(), latents.err());
        assertEquals("ltx: cannot write safetensors file " + file.resolve("latents.safetensors") + ": " + file
                + " exists and is not a directory\n", latents.err());
        assertFalse(Files.exists(dir.resolve("out.mp4")));
    }

    @Test
    void aCheckpointWithoutAWeightFailsBeforeAnySessionWithInspectsLine() throws Exception {
        final Path model = TinyFixtures.diffusersWithTransformer(dir, tensors -> tensors.remove("proj_out.weight"));
        assertError(4, "incomplete weights: transformer lacks 1 of 65 weights (proj_out.weight [16, 32])",
                generate(model.toString(), "--num-frames", "9", "--height", "64", "--width", "96"));
        final Path inputs = CliHarness.fixture("cases/transformer_stg/inputs.safetensors");
        final CliHarness.Result run = CliHarness.run("run", "transformer", "--model", model.toString(), "--inputs", inputs.toString(),
                "--output", dir.resolve("out.safetensors").toString());
        assertEquals(4, run.exitCode(), run.err());
        assertEquals("ltx: incomplete weights: transformer lacks 1 of 65 weights (proj_out.weight [16, 32])\n", run.err());
        assertFalse(Files.exists(dir.resolve("out.safetensors")));
    }

    @Test
    void valuesThatNeedNoModelFailBeforeTheModelIsOpened() {
        assertError(2, "steps must be at least 1, got 0", generate("/nope/model", "--steps", "0"));
        assertError(2, "--mode i2v needs --image (or a frame-0 entry in --conditions)", generate("/nope/model", "--mode", "i2v"));
        assertError(2, "unknown --compat 'comfy' (expected official or diffusers)", generate("/nope/model", "--compat", "comfy"));
        assertError(2, "unknown --mode 'v2v' (expected t2v or i2v)", generate("/nope/model", "--mode", "v2v"));
        assertError(2, "give --steps or --timesteps, not both", generate("/nope/model", "--steps", "4", "--timesteps", "1,0.5"));
        assertError(2, "--timesteps must be flow times in (0, 1], got 1.5", generate("/nope/model", "--timesteps", "1.5,0.5"));
        assertError(3, "image file /nope/cat.png does not exist", generate("/nope/model", "--image", "/nope/cat.png"));
        assertError(3, "model not found: /nope/model", generate("/nope/model"));
    }

    @Test
    void memoryBudgetMustBeAtLeastOneMegabyteBeforeAnyModelLoads() {
        assertError(2, "--memory-budget must be at least 1 MB, got 0", generate("/nope/model", "--memory-budget", "0"));
        assertError(2, "--memory-budget must be at least 1 MB, got -512", generate("/nope/model", "--memory-budget", "-512"));
        assertError(2, "--memory-budget must be at most 8796093022207 MB, got 8796093022208",
                generate("/nope/model", "--memory-budget", "8796093022208"));
        // a valid budget passes on to the next check
        assertError(3, "model not found: /nope/model", generate("/nope/model", "--memory-budget", "1"));
    }

    @Test
    void unknownOutputExtensionIsRefused() {
        final CliHarness.Result result = CliHarness.run("generate", "--prompt", "a red fox", "--model", "/nope/model",
                "--output", dir.resolve("out.avi").toString());
        assertEquals(2, result.exitCode());
        assertEquals("ltx: unsupported video output extension '.avi' in " + dir.resolve("out.avi") + "; allowed: .mp4 (H.264), "
                + ".gif (animated GIF), .zip (PNG frames in a zip), .safetensors (raw frames_uint8 bundle), or a directory / a path "
                + "without extension (PNG frames)\n", result.err());
    }

    @Test
    void conditionsAreParsedBeforeAnyModelIsLoaded() {
        assertError(2, "--conditions[0].strength must be a number in [0, 1], got 1.5",
                generate("/nope/model", "--conditions", "[{\"path\": \"cat.png\", \"frame\": 8, \"strength\": 1.5}]"));
        assertError(2, "--conditions[0] has unknown key 'weight' (expected path, frame, strength)",
                generate("/nope/model", "--conditions", "[{\"path\": \"cat.png\", \"weight\": 1}]"));
        assertError(2, "--conditions must be a JSON array like [{\"path\": \"image.png\", \"frame\": 0, \"strength\": 1.0}]",
                generate("/nope/model", "--conditions", "{\"path\": \"cat.png\"}"));
        assertError(3, "image file /nope/cat.png does not exist",
                generate("/nope/model", "--conditions", "[{\"path\": \"/nope/cat.png\", \"frame\": 0}]"));
        assertError(2, "--mode t2v takes no image; use --mode i2v",
                generate("/nope/model", "--mode", "t2v", "--image", "/nope/cat.png"));
    }

    @Test
    void singleFileCheckpointNeedsATextEncoder() {
        final String single = CliHarness.fixture("model/ltxv-tiny.safetensors").toString();
        assertError(2, "--text-encoder is required: " + single + " carries no text_encoder/ (give a diffusers folder, "
                + "a text_encoder folder or a T5 .gguf file)", generate(single));
    }
}
