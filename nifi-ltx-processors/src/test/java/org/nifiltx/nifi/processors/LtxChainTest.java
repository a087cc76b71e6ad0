package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.video.VideoWriter;

/**
 * EncodePrompt, GenerateLatents and DecodeVideo chained through nifi-mock with the real CPU service reproduce the
 * diffusers LTXPipeline fixture (pipeline_t2v): latents within 1e-4 x max|ref|, frames within +-1 on >= 99.9 %.
 */
class LtxChainTest {
    @TempDir
    Path temporary;

    @Test
    void textToVideoChainMatchesTheDiffusersPipeline() throws IOException {
        final JsonNode params = new ObjectMapper().readTree(Files.readString(Fixtures.fixture("cases/pipeline_t2v/params.json")));
        final TensorBundle inputs = SafeTensors.read(Fixtures.fixture("cases/pipeline_t2v/inputs.safetensors"));
        final TensorBundle expected = SafeTensors.read(Fixtures.fixture("cases/pipeline_t2v/outputs.safetensors"));

        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(encode);
        encode.setProperty(EncodePrompt.PROMPT, "${prompt.text}");
        encode.setProperty(EncodePrompt.NEGATIVE_PROMPT, params.get("negative_prompt").asText());
        encode.setProperty(EncodePrompt.CLASSIFIER_FREE_GUIDANCE, "true");
        encode.setProperty(EncodePrompt.MAX_LENGTH, params.get("max_sequence_length").asText());
        encode.setProperty(EncodePrompt.COMPAT, CompatChoice.DIFFUSERS.getValue());
        encode.assertValid();
        encode.enqueue(new byte[0], Map.of("prompt.text", params.get("prompt").asText(), "filename", "boat.txt"));
        encode.run();
        encode.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile embeddings = encode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        embeddings.assertAttributeEquals(LtxAttributes.STAGE, "prompt-embeddings");
        embeddings.assertAttributeEquals(LtxAttributes.PROMPT, params.get("prompt").asText());
        embeddings.assertAttributeEquals(LtxAttributes.NEGATIVE_PROMPT, params.get("negative_prompt").asText());
        embeddings.assertAttributeEquals(LtxAttributes.MAX_LENGTH, "128");
        embeddings.assertAttributeEquals(LtxAttributes.COMPAT, "DIFFUSERS");
        final TensorBundle prompts = Fixtures.tensors(embeddings, temporary);
        assertArrayEquals(new long[] {1, 128, 24}, prompts.get(PromptEmbeddings.EMBEDDINGS).shape());
        assertArrayEquals(new long[] {1, 128, 24}, prompts.get(PromptPair.NEGATIVE_EMBEDDINGS).shape());

        final Path noiseFile = temporary.resolve("noise.safetensors");
        SafeTensors.write(noiseFile, TensorBundle.of(Map.of(NoiseSource.INITIAL_LATENTS, inputs.get("initial_latents_packed"))));
        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate);
        generate.setProperty(GenerateLatents.NUM_FRAMES, params.get("num_frames").asText());
        generate.setProperty(GenerateLatents.HEIGHT, params.get("height").asText());
        generate.setProperty(GenerateLatents.WIDTH, params.get("width").asText());
        generate.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.STEPS);
        generate.setProperty(GenerateLatents.STEPS, params.get("num_inference_steps").asText());
        generate.setProperty(GenerateLatents.GUIDANCE_SCALE, params.get("guidance_scale").asText());
        generate.setProperty(GenerateLatents.RESCALE, "0");
        generate.setProperty(GenerateLatents.FRAME_RATE, params.get("frame_rate").asText());
        generate.setProperty(GenerateLatents.SEED, "42");
        generate.setProperty(GenerateLatents.NOISE_FILE, "${noise.path}");
        generate.assertValid();
        generate.enqueue(embeddings.toByteArray(), withAttribute(embeddings, "noise.path", noiseFile.toString()));
        generate.run();
        generate.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile latentsFlowFile = generate.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        latentsFlowFile.assertAttributeEquals(LtxAttributes.STAGE, "latents");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.NUM_FRAMES, "9");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.HEIGHT, "64");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.WIDTH, "96");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.FRAME_RATE, "25.0");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.SEED, "42");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.STEPS, "4");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.LATENT_SHAPE, "[1, 16, 2, 2, 3]");
        latentsFlowFile.assertAttributeEquals(LtxAttributes.PROMPT, params.get("prompt").asText());
        final Tensor latents = Fixtures.tensors(latentsFlowFile, temporary).get(GenerateLatents.LATENTS_TENSOR);
        Parity.assertClose(expected.get("latents_step_3"), LatentLayout.pack(latents), "latents");

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.DECODE_TIMESTEP, params.get("decode_timestep").asText());
        decode.setProperty(DecodeVideo.DECODE_NOISE_SCALE, params.get("decode_noise_scale").asText());
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.SAFETENSORS.getValue());
        decode.assertValid();
        decode.enqueue(latentsFlowFile.toByteArray(), latentsFlowFile.getAttributes());
        decode.run();
        decode.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile raw = decode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        raw.assertAttributeEquals(LtxAttributes.STAGE, "video");
        raw.assertAttributeEquals(LtxAttributes.MIME_TYPE, "application/octet-stream");
        raw.assertAttributeEquals(LtxAttributes.FILENAME, "boat.safetensors");
        final TensorBundle video = Fixtures.tensors(raw, temporary);
        assertEquals("25", video.metadata().get("frame_rate"));
        Parity.assertFrames(expected.get("frames_uint8"), video.get(VideoWriter.FRAMES_TENSOR), "frames");

        decode.clearTransferState();
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.MP4.getValue());
        decode.enqueue(latentsFlowFile.toByteArray(), latentsFlowFile.getAttributes());
        decode.run();
        decode.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile mp4 = decode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        mp4.assertAttributeEquals(LtxAttributes.MIME_TYPE, "video/mp4");
        mp4.assertAttributeEquals(LtxAttributes.FILENAME, "boat.mp4");
        mp4.assertAttributeEquals(LtxAttributes.VIDEO_FORMAT, "MP4");
        // An ISO base media file starts with its 'ftyp' box: 4 size bytes, then the type.
        assertEquals("ftyp", new String(Arrays.copyOfRange(mp4.toByteArray(), 4, 8), StandardCharsets.US_ASCII));
    }

    private static Map<String, String> withAttribute(final MockFlowFile flowFile, final String name, final String value) {
        final java.util.HashMap<String, String> attributes = new java.util.HashMap<>(flowFile.getAttributes());
        attributes.put(name, value);
        return attributes;
    }
}
