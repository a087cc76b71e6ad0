package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.MockProcessContext;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.video.VideoWriter;
import org.nifiltx.nifi.service.StandardLtxVideoModelService;

/**
 * Per-request settings take Expression Language against each FlowFile's attributes: the evaluated values shape the
 * output, a value that breaks its rule sends that FlowFile (only) to failure naming property and value, and literal
 * values are checked on the canvas, every problem at once.
 */
class LtxRequestSettingsTest {

    private static Map<String, String> with(final MockFlowFile flowFile, final Map<String, String> extra) {
        final Map<String, String> attributes = new HashMap<>(flowFile.getAttributes());
        attributes.putAll(extra);
        return attributes;
    }

    /**
     * The invalid results of a validation as "Subject: explanation", sorted. Through the mock context: the nifi-mock of
     * NiFi 2.3.0, the oldest server we support, has no TestRunner.validate().
     */
    private static List<String> problems(final TestRunner runner) {
        return ((MockProcessContext) runner.getProcessContext()).validate().stream().filter(result -> !result.isValid())
                .map(result -> result.getSubject() + ": " + result.getExplanation()).sorted().toList();
    }

    @Test
    void sizesAndStepsFromAttributesGiveTheRequestedShapes() {
        final MockFlowFile embeddings = Fixtures.encode("a red ball rolls over a table");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.setProperty(GenerateLatents.NUM_FRAMES, "${frames}");
        generate.setProperty(GenerateLatents.HEIGHT, "${height}");
        generate.setProperty(GenerateLatents.WIDTH, "${width}");
        generate.setProperty(GenerateLatents.STEPS, "${steps}");
        generate.setProperty(GenerateLatents.FRAME_RATE, "${fps}");
        generate.assertValid();
        generate.enqueue(embeddings.toByteArray(), with(embeddings, Map.of("frames", "9", "height", "64", "width", "96",
                "steps", "2", "fps", "12.5")));
        generate.enqueue(embeddings.toByteArray(), with(embeddings, Map.of("frames", "17", "height", "64", "width", "64",
                "steps", "3", "fps", "30")));
        generate.run(2);
        generate.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 2);
        final MockFlowFile first = generate.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        first.assertAttributeEquals(LtxAttributes.LATENT_SHAPE, "[1, 16, 2, 2, 3]");
        first.assertAttributeEquals(LtxAttributes.STEPS, "2");
        first.assertAttributeEquals(LtxAttributes.FRAME_RATE, "12.5");
        final MockFlowFile second = generate.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(1);
        second.assertAttributeEquals(LtxAttributes.LATENT_SHAPE, "[1, 16, 3, 2, 2]");
        second.assertAttributeEquals(LtxAttributes.STEPS, "3");
        second.assertAttributeEquals(LtxAttributes.NUM_FRAMES, "17");

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, "${video.format}");
        decode.assertValid();
        decode.enqueue(first.toByteArray(), with(first, Map.of("video.format", "Safetensors")));
        decode.enqueue(second.toByteArray(), with(second, Map.of("video.format", "gif")));
        decode.run(2);
        decode.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 2);
        final MockFlowFile frames = decode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        frames.assertAttributeEquals(LtxAttributes.VIDEO_FORMAT, "SAFETENSORS");
        assertArrayEquals(new long[] {9, 64, 96, 3},
                SafeTensors.read(frames.toByteArray(), "video").get(VideoWriter.FRAMES_TENSOR).shape());
        final MockFlowFile gif = decode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(1);
        gif.assertAttributeEquals(LtxAttributes.MIME_TYPE, "image/gif");
        gif.assertAttributeEquals(LtxAttributes.FILENAME, "clip.gif");
    }

    @Test
    void theDefaultsRunTheDistilledTimestepsWithoutGuidance() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate);
        generate.setProperty(GenerateLatents.NUM_FRAMES, "9");
        generate.setProperty(GenerateLatents.HEIGHT, "64");
        generate.setProperty(GenerateLatents.WIDTH, "96");
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        generate.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile latents = generate.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        latents.assertAttributeEquals(LtxAttributes.STEPS, String.valueOf(Defaults.TIMESTEPS.size()));
        latents.assertAttributeEquals(LtxAttributes.STEPS, "7");
        latents.assertAttributeEquals(LtxAttributes.GUIDANCE_SCALE, "1.0");
        latents.assertAttributeEquals(LtxAttributes.FRAME_RATE, "25.0");
        // The sizes the README recommends for ltxv-2b-0.9.8-distilled, as the CLI's defaults.
        assertEquals("121", GenerateLatents.NUM_FRAMES.getDefaultValue());
        assertEquals("512", GenerateLatents.HEIGHT.getDefaultValue());
        assertEquals("768", GenerateLatents.WIDTH.getDefaultValue());
        assertEquals("1.0, 0.9937, 0.9875, 0.9812, 0.975, 0.9094, 0.725", GenerateLatents.TIMESTEPS.getDefaultValue());
    }

    @Test
    void anInvalidEvaluatedValueSendsOnlyThatFlowFileToFailurePenalized() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.setProperty(GenerateLatents.NUM_FRAMES, "${frames}");
        generate.enqueue(embeddings.toByteArray(), with(embeddings, Map.of("frames", "10")));
        generate.enqueue(embeddings.toByteArray(), with(embeddings, Map.of("frames", "9")));
        generate.run(2);
        generate.assertTransferCount(LtxProperties.FAILURE, 1);
        generate.assertTransferCount(LtxProperties.SUCCESS, 1);
        final MockFlowFile failed = generate.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0);
        failed.assertAttributeEquals(LtxAttributes.ERROR, "Num Frames: 10 is not 8N+1");
        assertTrue(failed.isPenalized());
        assertArrayEquals(embeddings.toByteArray(), failed.toByteArray(), "content changed");
        failed.assertAttributeEquals(LtxAttributes.STAGE, LtxAttributes.STAGE_PROMPT_EMBEDDINGS);
        generate.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0).assertAttributeEquals(LtxAttributes.NUM_FRAMES, "9");
        assertEquals(1L, generate.getCounterValue(LtxProperties.COUNTER_FAILURES));
        assertTrue(generate.getLogger().getErrorMessages().isEmpty(), "bad input makes no ERROR bulletin");
    }

    @Test
    void everyInvalidValueOfAFlowFileIsReportedAtOnce() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.setProperty(GenerateLatents.NUM_FRAMES, "${frames}");
        generate.setProperty(GenerateLatents.HEIGHT, "${height}");
        generate.setProperty(GenerateLatents.GUIDANCE_SCALE, "${guidance}");
        generate.setProperty(GenerateLatents.STEPS, "${steps}");
        generate.enqueue(embeddings.toByteArray(), with(embeddings, Map.of("frames", "10", "height", "70", "guidance", "strong",
                "steps", "1.5")));
        generate.run();
        generate.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        generate.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR,
                "Num Frames: 10 is not 8N+1; Height: 70 is not a positive multiple of 32; "
                        + "Guidance Scale: 'strong' is not a valid number; Steps: '1.5' is not a valid integer");
    }

    @Test
    void aMissingAttributeIsAnEmptyValue() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.setProperty(GenerateLatents.WIDTH, "${width}");
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        generate.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        generate.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR,
                "Width: an empty value is not a valid integer");
    }

    @Test
    void encodePromptTakesMaxLengthAndGuidanceFromAttributes() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(encode);
        encode.setProperty(EncodePrompt.MAX_LENGTH, "${tokens}");
        encode.setProperty(EncodePrompt.CLASSIFIER_FREE_GUIDANCE, "${cfg}");
        encode.assertValid();
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat", "tokens", "12", "cfg", "true"));
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat", "tokens", "0", "cfg", "maybe"));
        encode.run(2);
        encode.assertTransferCount(LtxProperties.SUCCESS, 1);
        final MockFlowFile encoded = encode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        encoded.assertAttributeEquals(LtxAttributes.MAX_LENGTH, "12");
        encoded.assertAttributeEquals(LtxAttributes.NEGATIVE_PROMPT, Defaults.NEGATIVE_PROMPT);
        assertArrayEquals(new long[] {1, 12, 24},
                SafeTensors.read(encoded.toByteArray(), "embeddings").get(PromptEmbeddings.EMBEDDINGS).shape());
        encode.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR,
                "Classifier-Free Guidance: 'maybe' is not true or false; Max Length: 0 is not at least 1");
    }

    @Test
    void anUnknownOutputFormatGoesToFailure() {
        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, "${video.format}");
        decode.enqueue(new byte[] {1, 2, 3}, Map.of("video.format", "avi"));
        decode.run();
        decode.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        decode.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR,
                "Output Format: 'avi' is not one of MP4, GIF, PNG Zip, Safetensors");
    }

    @Test
    void literalValuesAreCheckedOnTheCanvasEveryProblemAtOnce() {
        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate);
        generate.setProperty(GenerateLatents.NUM_FRAMES, "10");
        generate.setProperty(GenerateLatents.HEIGHT, "70");
        generate.setProperty(GenerateLatents.WIDTH, "0");
        generate.setProperty(GenerateLatents.GUIDANCE_SCALE, "x");
        generate.setProperty(GenerateLatents.FRAME_RATE, "0");
        generate.setProperty(GenerateLatents.RESCALE, "2");
        generate.setProperty(GenerateLatents.TIMESTEPS, "1.0, 1.5");
        generate.setProperty(GenerateLatents.SEED, "one");
        assertEquals(List.of(
                "Frame Rate: 0 is not above 0",
                "Guidance Scale: 'x' is not a valid number",
                "Height: 70 is not a positive multiple of 32",
                "Num Frames: 10 is not 8N+1",
                "Rescale: 2 is not in [0, 1]",
                "Seed: 'one' is not a valid integer",
                "Timesteps: 1.5 is not in (0, 1]",
                "Width: 0 is not a positive multiple of 32"), problems(generate));

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, "AVI");
        decode.setProperty(DecodeVideo.DECODE_NOISE_SCALE, "lots");
        assertEquals(List.of("Decode Noise Scale: 'lots' is not a valid number",
                "Output Format: 'AVI' is not one of MP4, GIF, PNG Zip, Safetensors"), problems(decode));
    }

    @Test
    void expressionsPassOnTheCanvasAndHiddenPropertiesAreNotChecked() {
        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate);
        generate.setProperty(GenerateLatents.NUM_FRAMES, "${frames}");
        generate.setProperty(GenerateLatents.SEED, "${seed}");
        // Steps only applies with the Steps schedule, STG Blocks only with an STG Scale.
        generate.setProperty(GenerateLatents.STEPS, "many");
        generate.setProperty(GenerateLatents.STG_BLOCKS, "x");
        generate.assertValid();
        generate.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.STEPS);
        assertEquals(List.of("Steps: 'many' is not a valid integer"), problems(generate));
    }

    @Test
    void rulesBetweenPropertiesAreReportedTogether() {
        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate);
        generate.setProperty(GenerateLatents.MULTI_SCALE, "true");
        generate.setProperty(GenerateLatents.HEIGHT, "32");
        generate.setProperty(GenerateLatents.STG_SCALE, "1");
        generate.setProperty(GenerateLatents.NUM_FRAMES, "9");
        generate.setProperty(GenerateLatents.CONDITIONING_FRAME, "9");
        assertEquals(List.of(
                "Conditioning Frame: 9 is not before the end of the video (Num Frames 9)",
                "Height: 32 is below 64, the smallest size Multi-Scale allows",
                "Multi-Scale: Multi-Scale needs a latent upsampler: set the Latent Upsampler Path of the LTX-Video model service",
                "STG Blocks: STG Scale 1.0 needs at least one transformer block to skip"), problems(generate));
    }

    @Test
    void multiScaleIsValidWithAnUpsampler() {
        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate, Map.of(StandardLtxVideoModelService.LATENT_UPSAMPLER_PATH,
                Fixtures.fixture("model/latent_upsampler").toString()));
        generate.setProperty(GenerateLatents.MULTI_SCALE, "true");
        generate.assertValid();
    }

    @Test
    void flowsFromBeforeTheScheduleKeepTheirSteps() {
        final TestRunner old = TestRunners.newTestRunner(GenerateLatents.class);
        old.setProperty(GenerateLatents.STEPS, "20");
        old.migrateProperties();
        assertEquals("STEPS", old.getProcessContext().getProperty(GenerateLatents.SCHEDULE).getValue());

        final TestRunner withTimesteps = TestRunners.newTestRunner(GenerateLatents.class);
        withTimesteps.setProperty(GenerateLatents.STEPS, "20");
        withTimesteps.setProperty(GenerateLatents.TIMESTEPS, "1.0, 0.5");
        withTimesteps.migrateProperties();
        assertEquals("TIMESTEPS", withTimesteps.getProcessContext().getProperty(GenerateLatents.SCHEDULE).getValue());
    }
}
