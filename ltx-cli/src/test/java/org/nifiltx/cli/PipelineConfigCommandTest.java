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

/**
 * {@code ltx generate --pipeline-config}: the YAML's values and paths, explicit options over them, and the new sampling options'
 * checks, all before any model is loaded.
 */
class PipelineConfigCommandTest {
    @TempDir
    Path dir;

    private Path yaml(final String text) throws IOException {
        final Path file = dir.resolve("configs").resolve("ltxv-tiny.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private CliHarness.Result generate(final String output, final String... extra) {
        final List<String> args = new ArrayList<>(List.of("generate", "--prompt", "a red fox", "--output", dir.resolve(output).toString()));
        args.addAll(Arrays.asList(extra));
        return CliHarness.run(args.toArray(String[]::new));
    }

    private void assertError(final int exitCode, final String line, final CliHarness.Result result) {
        assertEquals(exitCode, result.exitCode(), result.err());
        assertEquals("ltx: " + line + "\n", result.err());
        assertEquals("", result.out());
        assertFalse(Files.exists(dir.resolve("out.mp4")));
    }

    /** A base config like ltxv-2b-0.9.6-distilled.yaml, pointing at the fixture through a path relative to the YAML. */
    private Path tinyConfig() throws IOException {
        final Path folder = dir.resolve("configs");
        Files.createDirectories(folder);
        final String model = folder.relativize(CliHarness.fixture("model/diffusers").toAbsolutePath()).toString();
        return yaml("""
                pipeline_type: base
                checkpoint_path: "%s"
                text_encoder_model_name_or_path: "PixArt-alpha/PixArt-XL-2-1024-MS"
                guidance_scale: 1
                stg_scale: 0
                rescaling_scale: 1
                num_inference_steps: 8
                skip_final_inference_steps: 1
                sampler: linear-quadratic
                stg_mode: "attention_values"
                decode_timestep: 0.05
                decode_noise_scale: 0.025
                tone_map_compression_ratio: 0.3
                precision: "bfloat16"
                lora_path: "style.safetensors"
                """.formatted(model));
    }

    private static final String[] SIZE = {"--num-frames", "9", "--height", "64", "--width", "96", "--max-length", "32", "--seed", "5"};

    private byte[] frames(final String output, final CliHarness.Result result) {
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(dir.resolve(output)).get("frames_uint8").toByteArray();
    }

    @Test
    void theConfigEqualsTheSameSettingsGivenAsOptions() throws IOException {
        final Path config = tinyConfig();
        final List<String> fromConfig = new ArrayList<>(List.of("--pipeline-config", config.toString()));
        fromConfig.addAll(List.of(SIZE));
        final CliHarness.Result configured = generate("a.safetensors", fromConfig.toArray(String[]::new));
        assertEquals("ltx: warning: pipeline config " + config + ": ignored unknown keys lora_path",
                configured.err().lines().findFirst().orElse(""));
        assertEquals(List.of("denoise: step 7/7"), configured.err().lines().filter(line -> line.startsWith("denoise: step 7/"))
                .map(line -> line.substring(0, line.indexOf(" ("))).toList(), "8 linear-quadratic steps less the final one");
        final byte[] fromYaml = frames("a.safetensors", configured);

        // the linear-quadratic 8-step schedule without its last step, written out
        final List<String> explicit = new ArrayList<>(List.of("--model", CliHarness.fixture("model/diffusers").toString(),
                "--timesteps", "1.0,0.99375,0.9875,0.98125,0.975,0.909375,0.725", "--guidance-scale", "1", "--stg-scale", "0",
                "--rescale", "1", "--tone-map", "0.3"));
        explicit.addAll(List.of(SIZE));
        assertArrayEquals(fromYaml, frames("b.safetensors", generate("b.safetensors", explicit.toArray(String[]::new))));

        // an explicit option wins over the YAML
        final List<String> overridden = new ArrayList<>(fromConfig);
        overridden.addAll(List.of("--tone-map", "0"));
        final byte[] withoutToneMap = frames("c.safetensors", generate("c.safetensors", overridden.toArray(String[]::new)));
        assertFalse(Arrays.equals(fromYaml, withoutToneMap), "--tone-map 0 must override tone_map_compression_ratio 0.3");
    }

    @Test
    void cfgStarAndStochasticSamplingReachThePipeline() {
        final List<String> base = new ArrayList<>(List.of("--model", CliHarness.fixture("model/diffusers").toString(),
                "--timesteps", "1.0,0.9094,0.725", "--guidance-scale", "3"));
        base.addAll(List.of(SIZE));
        final byte[] plain = frames("plain.safetensors", generate("plain.safetensors", base.toArray(String[]::new)));
        for (final String flag : List.of("--cfg-star", "--stochastic")) {
            final List<String> args = new ArrayList<>(base);
            args.add(flag);
            final String output = flag.substring(2) + ".safetensors";
            final byte[] changed = frames(output, generate(output, args.toArray(String[]::new)));
            assertFalse(Arrays.equals(plain, changed), flag + " must change the video");
        }
    }

    @Test
    void theNewOptionsAreCheckedBeforeAnyModelIsOpened() {
        assertError(2, "guidance-scale has 3 values; give 1 or one per guidance timestep (2)", generate("out.mp4", "--model", "/nope/model",
                "--guidance-timesteps", "1.0,0.9", "--guidance-scale", "1,2,3"));
        assertError(2, "stg-blocks has 3 values; give 1 or one per guidance timestep (2)", generate("out.mp4", "--model", "/nope/model",
                "--guidance-timesteps", "1.0,0.9", "--stg-scale", "1", "--stg-blocks", ";1;0,1"));
        assertError(2, "--stg-blocks must be comma lists of block indices, ';' between guidance intervals, got '1,x'",
                generate("out.mp4", "--model", "/nope/model", "--stg-blocks", "1,x"));
        assertError(2, "tone-map must lie in [0, 1], got 1.5", generate("out.mp4", "--model", "/nope/model", "--tone-map", "1.5"));
        assertError(2, "skip-initial-steps + skip-final-steps must be less than steps (8), got 0 + 8", generate("out.mp4", "--model",
                "/nope/model", "--steps", "8", "--skip-final-steps", "8"));
        assertError(2, "skip-initial-steps and skip-final-steps slice a computed schedule; they cannot be combined with explicit "
                + "timesteps", generate("out.mp4", "--model", "/nope/model", "--skip-final-steps", "1"));
        assertError(2, "skip-initial-steps needs input latents (the multi-scale second pass); this pass starts from pure noise",
                generate("out.mp4", "--model", "/nope/model", "--steps", "8", "--skip-initial-steps", "2"));
        assertError(2, "--model is required (or a --pipeline-config with checkpoint_path)", generate("out.mp4"));
    }

    @Test
    void badConfigsAreRefusedBeforeAnyModelIsOpened() throws IOException {
        assertError(3, "pipeline config not found: " + dir.resolve("none.yaml"), generate("out.mp4", "--pipeline-config",
                dir.resolve("none.yaml").toString()));
        assertError(5, "stg_mode 'transformer_block' is not supported; only attention_values (the mode of every official config) is "
                + "implemented", generate("out.mp4", "--pipeline-config", yaml("stg_mode: transformer_block\n").toString()));
        assertError(2, "--model is required (or a --pipeline-config with checkpoint_path)", generate("out.mp4", "--pipeline-config",
                yaml("guidance_scale: 1\n").toString()));
        final Path multiScale = yaml("pipeline_type: multi-scale\ncheckpoint_path: model.safetensors\nfirst_pass:\n  timesteps: [1.0]\n"
                + "second_pass:\n  timesteps: [0.9094]\n");
        assertError(2, "--pipeline-config " + multiScale + " is multi-scale: give --upsampler or spatial_upscaler_model_path",
                generate("out.mp4", "--pipeline-config", multiScale.toString()));
        assertError(3, "model not found: " + dir.resolve("configs/model.safetensors"), generate("out.mp4", "--pipeline-config",
                multiScale.toString(), "--upsampler", CliHarness.fixture("model/latent_upsampler").toString()));
    }
}
