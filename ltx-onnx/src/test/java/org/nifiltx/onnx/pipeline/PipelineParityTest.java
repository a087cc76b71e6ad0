package org.nifiltx.onnx.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.pipeline.SuppliedNoise;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.core.text.TextEncoderModel;

/** The three reference pipelines end to end: per-step latents ≤ 1e-4 relative, frames within ±1 on ≥ 99.9 %. */
class PipelineParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(final String relative) {
        return TinyFixtures.path(relative);
    }

    private static GenerationResult generate(final String model, final GenerationRequest request, final NoiseSource noise) {
        final BackendOptions options = BackendOptions.cpu();
        try (LtxModels models = new LtxModels(LtxCheckpoint.open(fixture(model)), TextEncoderModel.open(fixture("model/diffusers")),
                null, Backends.find(options), options)) {
            return new LtxPipeline(models).recordingStepLatents().generate(request, noise, ProgressListener.NONE);
        }
    }

    private static GenerationRequest.Builder fromParams(final JsonNode p) {
        return GenerationRequest.builder().prompt(p.get("prompt").asText())
                .negativePrompt(p.path("negative_prompt").isNull() ? null : p.path("negative_prompt").asText())
                .numFrames(p.get("num_frames").asInt()).height(p.get("height").asInt()).width(p.get("width").asInt())
                .guidanceScale(p.get("guidance_scale").asDouble()).frameRate(p.get("frame_rate").asDouble())
                .decodeTimestep(p.get("decode_timestep").asDouble()).decodeNoiseScale(p.get("decode_noise_scale").asDouble())
                .maxLength(p.get("max_sequence_length").asInt()).rescale(0);
    }

    private static JsonNode params(final String name) throws IOException {
        return JSON.readTree(Files.readString(fixture("cases/" + name + "/params.json")));
    }

    private static void assertSteps(final TensorBundle expected, final GenerationResult result, final int steps) {
        assertEquals(steps, result.stepLatents().size());
        for (int i = 0; i < steps; i++) {
            Parity.assertClose(expected.get("latents_step_" + i), result.stepLatents().get(i), "latents_step_" + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void textToVideoLikeDiffusersLtxPipeline(final String model) throws IOException {
        final JsonNode p = params("pipeline_t2v");
        final TensorBundle inputs = SafeTensors.read(fixture("cases/pipeline_t2v/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(fixture("cases/pipeline_t2v/outputs.safetensors"));
        final GenerationRequest request = fromParams(p).steps(p.get("num_inference_steps").asInt()).compat(Compat.DIFFUSERS).build();
        final NoiseSource noise = new SuppliedNoise(TensorBundle.of(Map.of(NoiseSource.INITIAL_LATENTS,
                inputs.get("initial_latents_packed"))), new SeededNoise(0));
        final GenerationResult result = generate(model, request, noise);
        assertArrayEquals(expected.get("sigmas").toFloatArray(), withZero(result.sigmas().get(0)), 1e-6f);
        assertSteps(expected, result, 4);
        Parity.assertFrames(expected.get("frames_uint8"), result.frames(), "frames");
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void distilledTextToVideoLikeTheOfficialPipeline(final String model) throws IOException {
        final JsonNode p = params("pipeline_t2v_distilled");
        final TensorBundle inputs = SafeTensors.read(fixture("cases/pipeline_t2v_distilled/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(fixture("cases/pipeline_t2v_distilled/outputs.safetensors"));
        final List<Double> timesteps = JSON.convertValue(p.get("timesteps_flow"), JSON.getTypeFactory()
                .constructCollectionType(List.class, Double.class));
        final GenerationRequest request = fromParams(p).timesteps(timesteps).compat(Compat.OFFICIAL).build();
        final NoiseSource noise = new SuppliedNoise(TensorBundle.of(Map.of(NoiseSource.INITIAL_LATENTS,
                inputs.get("initial_latents_packed"))), new SeededNoise(0));
        final GenerationResult result = generate(model, request, noise);
        assertSteps(expected, result, 7);
        Parity.assertFrames(expected.get("frames_uint8"), result.frames(), "frames");
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void imageToVideoLikeDiffusersImageToVideoPipeline(final String model) throws IOException {
        final JsonNode p = params("pipeline_i2v");
        final TensorBundle inputs = SafeTensors.read(fixture("cases/pipeline_i2v/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(fixture("cases/pipeline_i2v/outputs.safetensors"));
        final GenerationRequest request = fromParams(p).steps(p.get("num_inference_steps").asInt()).image(inputs.get("image_uint8"))
                .compat(Compat.DIFFUSERS).build();
        final Map<String, Tensor> draws = new LinkedHashMap<>();
        draws.put(NoiseSource.IMAGE_LATENT_NOISE, inputs.get("randn_draw_0"));
        draws.put(NoiseSource.INITIAL_LATENTS, LatentLayout.pack(inputs.get("randn_draw_1")));
        draws.put(NoiseSource.DECODE_NOISE, inputs.get("randn_draw_2"));
        final GenerationResult result = generate(model, request, new SuppliedNoise(TensorBundle.of(draws), null));
        assertSteps(expected, result, 4);
        Parity.assertFrames(expected.get("frames_uint8"), result.frames(), "frames");
    }

    private static float[] withZero(final float[] sigmas) {
        final float[] out = java.util.Arrays.copyOf(sigmas, sigmas.length + 1);
        return out;
    }
}
