package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.video.VideoWriter;

/**
 * Image-to-video through the three processors: the image arrives as FlowFile content, EncodePrompt carries it on next
 * to the embeddings, GenerateLatents conditions on it. The chain reproduces diffusers' LTXImageToVideoPipeline
 * fixture (pipeline_i2v): latents within 1e-4 x max|ref|, frames within +-1 on >= 99.9 %.
 */
class LtxImageToVideoTest {
    private static final String CORRUPT_IMAGE_ERROR = "image <FlowFile content> is not in a format ImageIO can read (PNG, JPEG, GIF, BMP)";

    @TempDir
    Path temporary;

    private static JsonNode params() throws IOException {
        return new ObjectMapper().readTree(Files.readString(Fixtures.fixture("cases/pipeline_i2v/params.json")));
    }

    private static TestRunner encodePrompt(final JsonNode params, final CompatChoice compat) {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(runner);
        runner.setProperty(EncodePrompt.IMAGE_SOURCE, ImageSource.FLOWFILE_CONTENT.getValue());
        runner.setProperty(EncodePrompt.NEGATIVE_PROMPT, params.get("negative_prompt").asText());
        runner.setProperty(EncodePrompt.CLASSIFIER_FREE_GUIDANCE, String.valueOf(params.get("guidance_scale").asDouble() > 1));
        runner.setProperty(EncodePrompt.MAX_LENGTH, params.get("max_sequence_length").asText());
        runner.setProperty(EncodePrompt.COMPAT, compat.getValue());
        runner.assertValid();
        return runner;
    }

    private static TestRunner generateLatents(final JsonNode params, final CompatChoice compat) {
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner);
        runner.setProperty(GenerateLatents.NUM_FRAMES, params.get("num_frames").asText());
        runner.setProperty(GenerateLatents.HEIGHT, params.get("height").asText());
        runner.setProperty(GenerateLatents.WIDTH, params.get("width").asText());
        runner.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.STEPS);
        runner.setProperty(GenerateLatents.STEPS, params.get("num_inference_steps").asText());
        runner.setProperty(GenerateLatents.GUIDANCE_SCALE, params.get("guidance_scale").asText());
        runner.setProperty(GenerateLatents.RESCALE, "0");
        runner.setProperty(GenerateLatents.FRAME_RATE, params.get("frame_rate").asText());
        return runner;
    }

    private static TestRunner decodeToFrames(final JsonNode params, final CompatChoice compat) {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        runner.setProperty(DecodeVideo.DECODE_TIMESTEP, params.get("decode_timestep").asText());
        runner.setProperty(DecodeVideo.DECODE_NOISE_SCALE, params.get("decode_noise_scale").asText());
        runner.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.SAFETENSORS.getValue());
        runner.assertValid();
        return runner;
    }

    private static MockFlowFile runOnce(final TestRunner runner, final byte[] content, final Map<String, String> attributes) {
        runner.enqueue(content, attributes);
        runner.run();
        runner.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        return runner.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
    }

    private static Map<String, String> with(final MockFlowFile flowFile, final String name, final String value) {
        final Map<String, String> attributes = new HashMap<>(flowFile.getAttributes());
        attributes.put(name, value);
        return attributes;
    }

    @Test
    void imageToVideoChainMatchesTheDiffusersImageToVideoPipeline() throws IOException {
        final JsonNode params = params();
        final TensorBundle inputs = SafeTensors.read(Fixtures.fixture("cases/pipeline_i2v/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(Fixtures.fixture("cases/pipeline_i2v/outputs.safetensors"));
        final byte[] png = Files.readAllBytes(Fixtures.fixture("cases/pipeline_i2v/image.png"));

        final MockFlowFile embeddings = runOnce(encodePrompt(params, CompatChoice.DIFFUSERS), png,
                Map.of(LtxAttributes.PROMPT, params.get("prompt").asText(), "filename", "cat.png"));
        embeddings.assertAttributeEquals(LtxAttributes.STAGE, "prompt-embeddings");
        embeddings.assertAttributeEquals(LtxAttributes.IMAGE_WIDTH, "96");
        embeddings.assertAttributeEquals(LtxAttributes.IMAGE_HEIGHT, "64");
        final TensorBundle bundle = Fixtures.tensors(embeddings, temporary);
        assertArrayEquals(new long[] {1, 128, 24}, bundle.get(PromptEmbeddings.EMBEDDINGS).shape());
        final Tensor image = bundle.get(EncodePrompt.CONDITIONING_IMAGE_TENSOR);
        assertEquals(DType.U8, image.dtype());
        assertArrayEquals(new long[] {64, 96, 3}, image.shape());
        assertArrayEquals(inputs.get("image_uint8").toByteArray(), image.toByteArray(), "decoded image");

        // The reference pipeline's random draws in its call order, named as the pipeline asks for them.
        final Map<String, Tensor> draws = new LinkedHashMap<>();
        draws.put(NoiseSource.IMAGE_LATENT_NOISE, inputs.get("randn_draw_0"));
        draws.put(NoiseSource.INITIAL_LATENTS, LatentLayout.pack(inputs.get("randn_draw_1")));
        draws.put(NoiseSource.DECODE_NOISE, inputs.get("randn_draw_2"));
        final Path noiseFile = temporary.resolve("noise.safetensors");
        SafeTensors.write(noiseFile, TensorBundle.of(draws));
        final TestRunner generate = generateLatents(params, CompatChoice.DIFFUSERS);
        generate.setProperty(GenerateLatents.NOISE_FILE, noiseFile.toString());
        generate.assertValid();
        final MockFlowFile latentsFlowFile = runOnce(generate, embeddings.toByteArray(), embeddings.getAttributes());
        latentsFlowFile.assertAttributeEquals(LtxAttributes.CONDITIONING_FRAME, "0");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.CONDITIONING_STRENGTH, "1.0");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.STEPS, "4");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.LATENT_SHAPE, "[1, 16, 2, 2, 3]");
        final Tensor latents = Fixtures.tensors(latentsFlowFile, temporary).get(GenerateLatents.LATENTS_TENSOR);
        Parity.assertClose(expected.get("latents_step_3"), LatentLayout.pack(latents), "latents");

        final TestRunner decode = decodeToFrames(params, CompatChoice.DIFFUSERS);
        decode.setProperty(DecodeVideo.NOISE_FILE, noiseFile.toString());
        final MockFlowFile video = runOnce(decode, latentsFlowFile.toByteArray(), latentsFlowFile.getAttributes());
        video.assertAttributeEquals(LtxAttributes.FILENAME, "cat.safetensors");
        Parity.assertFrames(expected.get("frames_uint8"), Fixtures.tensors(video, temporary).get(VideoWriter.FRAMES_TENSOR), "frames");
    }

    @Test
    void aKeyframeInTheMiddleGivesTheFullVideo() throws IOException {
        final JsonNode params = params();
        final byte[] png = Files.readAllBytes(Fixtures.fixture("cases/pipeline_i2v/image.png"));
        final MockFlowFile embeddings = runOnce(encodePrompt(params, CompatChoice.OFFICIAL), png,
                Map.of(LtxAttributes.PROMPT, params.get("prompt").asText()));

        final TestRunner generate = generateLatents(params, CompatChoice.OFFICIAL);
        generate.setProperty(GenerateLatents.NUM_FRAMES, "17");
        generate.setProperty(GenerateLatents.STEPS, "2");
        generate.setProperty(GenerateLatents.CONDITIONING_FRAME, "${keyframe}");
        generate.setProperty(GenerateLatents.CONDITIONING_STRENGTH, "0.9");
        generate.assertValid();
        final MockFlowFile latentsFlowFile = runOnce(generate, embeddings.toByteArray(), with(embeddings, "keyframe", "8"));
        latentsFlowFile.assertAttributeEquals(LtxAttributes.CONDITIONING_FRAME, "8");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.CONDITIONING_STRENGTH, "0.9");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.NUM_FRAMES, "17");
        // The keyframe's extra tokens are dropped before decoding: the grid alone, 17 frames -> 3 latent frames.
        latentsFlowFile.assertAttributeEquals(LtxAttributes.LATENT_SHAPE, "[1, 16, 3, 2, 3]");

        final MockFlowFile video = runOnce(decodeToFrames(params, CompatChoice.OFFICIAL), latentsFlowFile.toByteArray(),
                latentsFlowFile.getAttributes());
        final Tensor frames = Fixtures.tensors(video, temporary).get(VideoWriter.FRAMES_TENSOR);
        assertArrayEquals(new long[] {17, 64, 96, 3}, frames.shape());
    }

    @Test
    void contentThatIsNoImageGoesToFailureUnchanged() throws IOException {
        final TestRunner encode = encodePrompt(params(), CompatChoice.DIFFUSERS);
        final byte[] content = "a cat, but in words".getBytes(StandardCharsets.UTF_8);
        encode.enqueue(content, Map.of(LtxAttributes.PROMPT, "a cat"));
        encode.run();
        encode.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        final MockFlowFile failed = encode.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0);
        failed.assertAttributeEquals(LtxAttributes.ERROR, CORRUPT_IMAGE_ERROR);
        failed.assertAttributeNotExists(LtxAttributes.STAGE);
        failed.assertAttributeNotExists(LtxAttributes.IMAGE_WIDTH);
        assertArrayEquals(content, failed.toByteArray(), "content changed");
    }

    @Test
    void aKeyframeBeyondTheVideoGoesToFailure() throws IOException {
        final JsonNode params = params();
        final byte[] png = Files.readAllBytes(Fixtures.fixture("cases/pipeline_i2v/image.png"));
        final MockFlowFile embeddings = runOnce(encodePrompt(params, CompatChoice.OFFICIAL), png,
                Map.of(LtxAttributes.PROMPT, params.get("prompt").asText()));
        final TestRunner generate = generateLatents(params, CompatChoice.OFFICIAL);
        generate.setProperty(GenerateLatents.CONDITIONING_FRAME, "9");
        generate.assertNotValid();
        generate.setProperty(GenerateLatents.CONDITIONING_FRAME, "${keyframe}");
        generate.assertValid();
        generate.enqueue(embeddings.toByteArray(), with(embeddings, "keyframe", "9"));
        generate.run();
        generate.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        final MockFlowFile failed = generate.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0);
        failed.assertAttributeEquals(LtxAttributes.ERROR, "Conditioning Frame: 9 is not before the end of the video (Num Frames 9)");
        assertArrayEquals(embeddings.toByteArray(), failed.toByteArray(), "content changed");
    }
}
