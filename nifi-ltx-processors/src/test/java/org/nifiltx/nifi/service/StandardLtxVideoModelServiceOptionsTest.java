package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.video.VideoWriter;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.processors.DecodeVideo;
import org.nifiltx.nifi.processors.DenoisingSchedule;
import org.nifiltx.nifi.processors.EncodePrompt;
import org.nifiltx.nifi.processors.Fixtures;
import org.nifiltx.nifi.processors.GenerateLatents;
import org.nifiltx.nifi.processors.LtxAttributes;
import org.nifiltx.nifi.processors.OutputFormat;

/** The service options that change what a run does: releasing the text encoder, and the latent upsampler (multi-scale). */
class StandardLtxVideoModelServiceOptionsTest {
    private static final String SUCCESS = "success";

    /** Runs EncodePrompt once (official semantics: T5 with its mask) and checks whether the models kept the T5 runner. */
    private static void encodeAndObserveTextEncoder(final String release) {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        final StandardLtxVideoModelService service = Fixtures.addService(runner,
                Map.of(StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, release));
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        // Opening the runner first lets the test see whether encoding kept this very instance or closed it.
        final ComponentRunner before = service.models().textEncoder(true);
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red ball"));
        runner.run();
        runner.assertAllFlowFilesTransferred(SUCCESS, 1);
        final ComponentRunner after = service.models().textEncoder(true);
        if (Boolean.parseBoolean(release)) {
            assertNotSame(before, after, "the text encoder runner was kept although the service releases it");
        } else {
            assertSame(before, after, "the text encoder runner was rebuilt although the service keeps it");
        }
        runner.disableControllerService(service);
    }

    @Test
    void releaseTextEncoderAfterEncodingClosesTheT5Runner() {
        encodeAndObserveTextEncoder("true");
    }

    @Test
    void withoutReleaseTheT5RunnerIsKeptForTheNextPrompt() {
        encodeAndObserveTextEncoder("false");
    }

    @Test
    void multiScaleWithTheLatentUpsamplerGivesTheRequestedSize() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(encode);
        encode.setProperty(EncodePrompt.MAX_LENGTH, "16");
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red ball rolls over a table"));
        encode.run();
        encode.assertAllFlowFilesTransferred(SUCCESS, 1);
        final MockFlowFile embeddings = encode.getFlowFilesForRelationship(SUCCESS).get(0);

        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        final StandardLtxVideoModelService service = Fixtures.addService(generate,
                Map.of(StandardLtxVideoModelService.LATENT_UPSAMPLER_PATH, Fixtures.fixture("model/latent_upsampler").toString()));
        assertEquals(new LtxModelInfo(16, 32, 8, 24, true, true, "diffusers (0.9.5+)"), service.modelInfo());
        generate.setProperty(GenerateLatents.NUM_FRAMES, "9");
        generate.setProperty(GenerateLatents.HEIGHT, "128");
        generate.setProperty(GenerateLatents.WIDTH, "192");
        generate.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.STEPS);
        generate.setProperty(GenerateLatents.STEPS, "2");
        generate.setProperty(GenerateLatents.GUIDANCE_SCALE, "1");
        generate.setProperty(GenerateLatents.MULTI_SCALE, "true");
        generate.assertValid();
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        generate.assertAllFlowFilesTransferred(SUCCESS, 1);
        final MockFlowFile latents = generate.getFlowFilesForRelationship(SUCCESS).get(0);
        // Two first-pass steps plus the three of the default second pass; the second pass runs at full size.
        latents.assertAttributeEquals(LtxAttributes.STEPS, "5");
        latents.assertAttributeEquals(LtxAttributes.LATENT_SHAPE, "[1, 16, 2, 4, 6]");

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.SAFETENSORS.getValue());
        decode.enqueue(latents.toByteArray(), latents.getAttributes());
        decode.run();
        decode.assertAllFlowFilesTransferred(SUCCESS, 1);
        final Tensor frames = SafeTensors.read(decode.getFlowFilesForRelationship(SUCCESS).get(0).toByteArray(), "video")
                .get(VideoWriter.FRAMES_TENSOR);
        assertArrayEquals(new long[] {9, 128, 192, 3}, frames.shape());
    }
}
