package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.StageMetadata;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;

/** {@code ltx generate} reproduces the three pipeline fixtures from the command line, for both checkpoint layouts. */
class GenerateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static JsonNode params(final String name) throws IOException {
        return JSON.readTree(Files.readString(CliHarness.fixture("cases/" + name + "/params.json")));
    }

    /** The options every fixture case shares, from its params.json. */
    private static List<String> common(final String model, final JsonNode p) {
        // parity with the reference is an fp32 property; int8 is gated separately (ReducedPrecisionGenerateTest)
        return common(model, p, "fp32");
    }

    static List<String> common(final String model, final JsonNode p, final String precision) {
        final List<String> args = new ArrayList<>(List.of("generate", "--model", CliHarness.fixture(model).toString(),
                "--text-encoder", CliHarness.fixture("model/diffusers").toString(),
                "--prompt", p.get("prompt").asText(),
                "--num-frames", p.get("num_frames").asText(), "--height", p.get("height").asText(), "--width", p.get("width").asText(),
                "--guidance-scale", p.get("guidance_scale").asText(), "--rescale", "0",
                "--frame-rate", p.get("frame_rate").asText(), "--decode-timestep", p.get("decode_timestep").asText(),
                "--decode-noise-scale", p.get("decode_noise_scale").asText(), "--max-length", p.get("max_sequence_length").asText(),
                "--precision", precision));
        if (!p.path("negative_prompt").isNull()) {
            args.addAll(List.of("--negative-prompt", p.get("negative_prompt").asText()));
        }
        return args;
    }

    private Path noiseFile(final Map<String, Tensor> draws) {
        final Path file = dir.resolve("noise.safetensors");
        SafeTensors.write(file, TensorBundle.of(draws));
        return file;
    }

    private TensorBundle run(final List<String> args) {
        final Path output = dir.resolve("frames.safetensors");
        final List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--output", output.toString()));
        final CliHarness.Result result = CliHarness.run(all.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(output);
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void textToVideoLikeDiffusersLtxPipeline(final String model) throws IOException {
        final JsonNode p = params("pipeline_t2v");
        final TensorBundle inputs = SafeTensors.read(CliHarness.fixture("cases/pipeline_t2v/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/pipeline_t2v/outputs.safetensors"));
        final Path noise = noiseFile(Map.of(NoiseSource.INITIAL_LATENTS, inputs.get("initial_latents_packed")));
        final Path latents = dir.resolve("latents.safetensors");
        final List<String> args = common(model, p);
        args.addAll(List.of("--steps", p.get("num_inference_steps").asText(), "--compat", "diffusers",
                "--noise", noise.toString(), "--save-latents", latents.toString()));
        final TensorBundle out = run(args);
        Parity.assertFrames(expected.get("frames_uint8"), out.get("frames_uint8"), "frames");
        // The saved latents are the pipeline's final step, unpacked to [1, C, F, h, w] and normalised.
        final Tensor saved = SafeTensors.read(latents).get("latents");
        assertArrayEquals(new long[] {1, 16, 2, 2, 3}, saved.shape());
        Parity.assertClose(LatentLayout.unpack(expected.get("latents_step_3"), 2, 2, 3), saved, "latents");
        assertArrayEquals(saved.toFloatArray(), out.get("latents").toFloatArray());
        // and carry what a later decode needs, as NiFi's GenerateLatents writes it
        final Map<String, String> metadata = SafeTensors.read(latents).metadata();
        assertEquals(List.of("latents", "DIFFUSERS", p.get("num_frames").asText(), p.get("height").asText(), p.get("width").asText(),
                "4"), List.of(metadata.get(StageMetadata.STAGE), metadata.get(StageMetadata.COMPAT),
                metadata.get(StageMetadata.NUM_FRAMES), metadata.get(StageMetadata.HEIGHT), metadata.get(StageMetadata.WIDTH),
                metadata.get(StageMetadata.STEPS)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void distilledTextToVideoLikeTheOfficialPipeline(final String model) throws IOException {
        final JsonNode p = params("pipeline_t2v_distilled");
        final TensorBundle inputs = SafeTensors.read(CliHarness.fixture("cases/pipeline_t2v_distilled/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/pipeline_t2v_distilled/outputs.safetensors"));
        final Path noise = noiseFile(Map.of(NoiseSource.INITIAL_LATENTS, inputs.get("initial_latents_packed")));
        final List<String> timesteps = new ArrayList<>();
        p.get("timesteps_flow").forEach(t -> timesteps.add(t.asText()));
        final List<String> args = common(model, p);
        args.addAll(List.of("--timesteps", String.join(",", timesteps), "--compat", "official", "--noise", noise.toString()));
        final TensorBundle out = run(args);
        Parity.assertFrames(expected.get("frames_uint8"), out.get("frames_uint8"), "frames");
        Parity.assertClose(LatentLayout.unpack(expected.get("latents_step_6"), 2, 2, 3), out.get("latents"), "latents");
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void imageToVideoLikeDiffusersImageToVideoPipeline(final String model) throws IOException {
        final JsonNode p = params("pipeline_i2v");
        final TensorBundle inputs = SafeTensors.read(CliHarness.fixture("cases/pipeline_i2v/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/pipeline_i2v/outputs.safetensors"));
        final Map<String, Tensor> draws = new LinkedHashMap<>();
        draws.put(NoiseSource.IMAGE_LATENT_NOISE, inputs.get("randn_draw_0"));
        draws.put(NoiseSource.INITIAL_LATENTS, LatentLayout.pack(inputs.get("randn_draw_1")));
        draws.put(NoiseSource.DECODE_NOISE, inputs.get("randn_draw_2"));
        final List<String> args = common(model, p);
        args.addAll(List.of("--steps", p.get("num_inference_steps").asText(), "--compat", "diffusers", "--mode", "i2v",
                "--image", CliHarness.fixture("cases/pipeline_i2v/image.png").toString(), "--noise", noiseFile(draws).toString()));
        final TensorBundle out = run(args);
        Parity.assertFrames(expected.get("frames_uint8"), out.get("frames_uint8"), "frames");
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDiffers() throws IOException {
        final byte[] first = seeded(7, "a.safetensors");
        final byte[] again = seeded(7, "b.safetensors");
        final byte[] other = seeded(8, "c.safetensors");
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
    }

    private byte[] seeded(final long seed, final String name) throws IOException {
        final Path output = dir.resolve(name);
        final CliHarness.Result result = CliHarness.run("generate", "--model", CliHarness.fixture("model/diffusers").toString(),
                "--prompt", "a red fox", "--num-frames", "9", "--height", "64", "--width", "96", "--max-length", "16",
                "--seed", Long.toString(seed), "--output", output.toString());
        assertEquals(0, result.exitCode(), result.err());
        return Files.readAllBytes(output);
    }

    @Test
    void keyframeConditionFromTheCommandLine() {
        final Path output = dir.resolve("keyframe.safetensors");
        final String image = CliHarness.fixture("cases/pipeline_i2v/image.png").toString();
        final CliHarness.Result result = CliHarness.run("generate", "--model", CliHarness.fixture("model/diffusers").toString(),
                "--prompt", "a cat", "--num-frames", "17", "--height", "64", "--width", "96", "--max-length", "16",
                "--conditions", "[{\"path\": \"" + image + "\", \"frame\": 0}, {\"path\": \"" + image + "\", \"frame\": 8, "
                        + "\"strength\": 0.8}]", "--output", output.toString());
        assertEquals(0, result.exitCode(), result.err());
        final TensorBundle out = SafeTensors.read(output);
        assertArrayEquals(new long[] {17, 64, 96, 3}, out.get("frames_uint8").shape());
        assertArrayEquals(new long[] {1, 16, 3, 2, 3}, out.get("latents").shape());
        final CliHarness.Result late = CliHarness.run("generate", "--model", CliHarness.fixture("model/diffusers").toString(),
                "--prompt", "a cat", "--num-frames", "9", "--height", "64", "--width", "96",
                "--conditions", "[{\"path\": \"" + image + "\", \"frame\": 9}]", "--output", output.toString());
        assertEquals(2, late.exitCode());
        assertEquals("ltx: condition 1: frame index must lie in 0..8 (the video has 9 frames), got 9\n", late.err());
    }
}
