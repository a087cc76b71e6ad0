package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.nifiltx.nifi.processors.LtxProperties.FAILURE;
import static org.nifiltx.nifi.processors.LtxProperties.SUCCESS;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.PropertyMigrationResult;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.StageMetadata;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.VideoWriter;

/**
 * What a later stage needs from an earlier one travels in the content's safetensors metadata: every FlowFile here
 * reaches the next processor without attributes, so only the metadata can carry compat, the negative prompt's
 * presence, sizes, frame rate and seed.
 */
class LtxStageMetadataTest {

    private static MockFlowFile encode(final CompatChoice compat, final boolean classifierFree) {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(runner);
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        runner.setProperty(EncodePrompt.COMPAT, compat.getValue());
        runner.setProperty(EncodePrompt.CLASSIFIER_FREE_GUIDANCE, String.valueOf(classifierFree));
        runner.setProperty(EncodePrompt.NEGATIVE_PROMPT, "blurry");
        runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red ball"));
        runner.run();
        runner.assertAllFlowFilesTransferred(SUCCESS, 1);
        return runner.getFlowFilesForRelationship(SUCCESS).get(0);
    }

    private static MockFlowFile generate(final byte[] embeddings, final Map<String, String> properties) {
        final TestRunner runner = Fixtures.tinyGenerateLatents();
        runner.setProperty(GenerateLatents.SEED, "7");
        properties.forEach(runner::setProperty);
        runner.enqueue(embeddings);
        runner.run();
        runner.assertAllFlowFilesTransferred(SUCCESS, 1);
        return runner.getFlowFilesForRelationship(SUCCESS).get(0);
    }

    private static TensorBundle decodeToFrames(final byte[] latents) {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        runner.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.SAFETENSORS.getValue());
        runner.enqueue(latents);
        runner.run();
        runner.assertAllFlowFilesTransferred(SUCCESS, 1);
        return SafeTensors.read(runner.getFlowFilesForRelationship(SUCCESS).get(0).toByteArray(), "video");
    }

    private static TensorBundle read(final MockFlowFile flowFile) {
        return SafeTensors.read(flowFile.toByteArray(), "content");
    }

    private static byte[] latentsOf(final MockFlowFile flowFile) {
        return read(flowFile).get(GenerateLatents.LATENTS_TENSOR).toByteArray();
    }

    @Test
    void theSettingsTravelInTheContentFromStageToStage() {
        final MockFlowFile embeddings = encode(CompatChoice.DIFFUSERS, false);
        final Map<String, String> encoded = read(embeddings).metadata();
        assertEquals(Map.of(StageMetadata.STAGE, "prompt-embeddings", StageMetadata.COMPAT, "DIFFUSERS",
                StageMetadata.MAX_LENGTH, "16", StageMetadata.NEGATIVE_EMBEDDINGS, "false", StageMetadata.PROMPT, "a red ball"),
                encoded);
        assertFalse(read(embeddings).contains(PromptPair.NEGATIVE_EMBEDDINGS));

        final MockFlowFile latents = generate(embeddings.toByteArray(), Map.of(GenerateLatents.FRAME_RATE.getName(), "12.5"));
        latents.assertAttributeEquals(LtxAttributes.COMPAT, "DIFFUSERS");
        final Map<String, String> expected = new LinkedHashMap<>();
        expected.put(StageMetadata.STAGE, "latents");
        expected.put(StageMetadata.COMPAT, "DIFFUSERS");
        expected.put(StageMetadata.NUM_FRAMES, "9");
        expected.put(StageMetadata.HEIGHT, "64");
        expected.put(StageMetadata.WIDTH, "96");
        expected.put(StageMetadata.FRAME_RATE, "12.5");
        expected.put(StageMetadata.TONE_MAP, "0.0");
        expected.put(StageMetadata.SEED, "7");
        expected.put(StageMetadata.STEPS, "2");
        assertEquals(expected, read(latents).metadata());

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.SAFETENSORS.getValue());
        decode.enqueue(latents.toByteArray());
        decode.run();
        decode.assertAllFlowFilesTransferred(SUCCESS, 1);
        final MockFlowFile video = decode.getFlowFilesForRelationship(SUCCESS).get(0);
        // the generation's seed, from the metadata, also seeds the decode noise
        video.assertAttributeEquals(LtxAttributes.DECODE_SEED, "7");
        final TensorBundle frames = SafeTensors.read(video.toByteArray(), "video");
        assertEquals("25/2", frames.metadata().get("frame_rate"));
        assertArrayEquals(new long[] {9, 64, 96, 3}, frames.get(VideoWriter.FRAMES_TENSOR).shape());
    }

    @Test
    void guidanceAboveOneOnContentWithoutTheNegativePromptGoesToFailure() throws java.io.IOException {
        final MockFlowFile embeddings = encode(CompatChoice.OFFICIAL, false);
        final TestRunner runner = Fixtures.tinyGenerateLatents();
        runner.setProperty(GenerateLatents.GUIDANCE_SCALE, "3");
        runner.enqueue(embeddings.toByteArray());
        runner.run();
        runner.assertAllFlowFilesTransferred(FAILURE, 1);
        runner.getFlowFilesForRelationship(FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR, "Guidance Scale 3.0 is "
                + "above 1 and needs the negative prompt, but the content was encoded without it: set Classifier-Free "
                + "Guidance to true in EncodePrompt, or Guidance Scale to 1 here");
        runner.getFlowFilesForRelationship(FAILURE).get(0).assertContentEquals(embeddings.toByteArray());
    }

    @Test
    void contentThatPromisesTheNegativePromptMustCarryIt() {
        final TensorBundle encoded = read(encode(CompatChoice.OFFICIAL, true));
        final Map<String, Tensor> positiveOnly = new LinkedHashMap<>(encoded.tensors());
        positiveOnly.remove(PromptPair.NEGATIVE_EMBEDDINGS);
        positiveOnly.remove(PromptPair.NEGATIVE_ATTENTION_MASK);
        final TestRunner runner = Fixtures.tinyGenerateLatents();
        runner.setProperty(GenerateLatents.GUIDANCE_SCALE, "3");
        runner.enqueue(Fixtures.bytes(new TensorBundle(positiveOnly, encoded.metadata())));
        runner.run();
        runner.assertAllFlowFilesTransferred(FAILURE, 1);
        runner.getFlowFilesForRelationship(FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR,
                "missing tensor 'negative_prompt_embeds' (present: prompt_embeds, prompt_attention_mask)");
    }

    @Test
    void anUnsetRescaleIsTheDefaultOfTheContentsCompat() {
        // diffusers: guidance_rescale 0 (diffusers' own default); official: 0.7
        final byte[] diffusers = encode(CompatChoice.DIFFUSERS, true).toByteArray();
        final Map<String, String> guided = Map.of(GenerateLatents.GUIDANCE_SCALE.getName(), "3");
        final byte[] unset = latentsOf(generate(diffusers, guided));
        assertArrayEquals(latentsOf(generate(diffusers, Map.of(GenerateLatents.GUIDANCE_SCALE.getName(), "3",
                GenerateLatents.RESCALE.getName(), "0"))), unset);
        assertFalse(Arrays.equals(latentsOf(generate(diffusers, Map.of(GenerateLatents.GUIDANCE_SCALE.getName(), "3",
                GenerateLatents.RESCALE.getName(), "0.7"))), unset), "the rescale must change diffusers' guided latents");

        // official: the rescale scales the STG, so only an STG run shows it
        final byte[] official = encode(CompatChoice.OFFICIAL, false).toByteArray();
        final Map<String, String> stg = Map.of(GenerateLatents.STG_SCALE.getName(), "1", GenerateLatents.STG_BLOCKS.getName(), "0");
        final Map<String, String> stgAt07 = new LinkedHashMap<>(stg);
        stgAt07.put(GenerateLatents.RESCALE.getName(), "0.7");
        final Map<String, String> stgAt0 = new LinkedHashMap<>(stg);
        stgAt0.put(GenerateLatents.RESCALE.getName(), "0");
        final byte[] officialUnset = latentsOf(generate(official, stg));
        assertArrayEquals(latentsOf(generate(official, stgAt07)), officialUnset);
        assertFalse(Arrays.equals(latentsOf(generate(official, stgAt0)), officialUnset), "the rescale must change STG latents");
    }

    @Test
    void latentsWithoutMetadataDecodeAtTheGridSizeWithTheDefaults() {
        final MockFlowFile latents = generate(encode(CompatChoice.OFFICIAL, false).toByteArray(), Map.of());
        final Tensor grid = read(latents).get(GenerateLatents.LATENTS_TENSOR);
        final byte[] bare = Fixtures.bytes(TensorBundle.of(Map.of(GenerateLatents.LATENTS_TENSOR, grid)));
        final TensorBundle fromBare = decodeToFrames(bare);
        assertEquals("25", fromBare.metadata().get("frame_rate"));
        assertArrayEquals(new long[] {9, 64, 96, 3}, fromBare.get(VideoWriter.FRAMES_TENSOR).shape());

        // the default compat is official: the same frames as latents that say so; diffusers' rounding differs
        final Map<String, String> metadata = new LinkedHashMap<>(read(latents).metadata());
        metadata.remove(StageMetadata.SEED);
        final byte[] official = Fixtures.bytes(new TensorBundle(Map.of(GenerateLatents.LATENTS_TENSOR, grid), metadata));
        metadata.put(StageMetadata.COMPAT, "DIFFUSERS");
        final byte[] diffusers = Fixtures.bytes(new TensorBundle(Map.of(GenerateLatents.LATENTS_TENSOR, grid), metadata));
        // no seed anywhere: a fixed Seed keeps the decode noise the same for the three
        assertArrayEquals(decodeWithSeed(official), decodeWithSeed(bare));
        assertFalse(Arrays.equals(decodeWithSeed(diffusers), decodeWithSeed(bare)), "diffusers decodes differently");
    }

    private static byte[] decodeWithSeed(final byte[] latents) {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        runner.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.SAFETENSORS.getValue());
        runner.setProperty(DecodeVideo.SEED, "5");
        runner.enqueue(latents);
        runner.run();
        runner.assertAllFlowFilesTransferred(SUCCESS, 1);
        return SafeTensors.read(runner.getFlowFilesForRelationship(SUCCESS).get(0).toByteArray(), "video")
                .get(VideoWriter.FRAMES_TENSOR).toByteArray();
    }

    @Test
    void badMetadataGoesToFailureNamingTheKey() {
        final byte[] content = Fixtures.bytes(new TensorBundle(Map.of(GenerateLatents.LATENTS_TENSOR,
                Tensor.ofFloats(new long[] {1, 16, 2, 2, 3}, new float[16 * 2 * 2 * 3])), Map.of(StageMetadata.COMPAT, "COMFY")));
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        runner.enqueue(content);
        runner.run();
        runner.assertAllFlowFilesTransferred(FAILURE, 1);
        runner.getFlowFilesForRelationship(FAILURE).get(0).assertAttributeEquals(LtxAttributes.ERROR,
                "content metadata ltx.compat is 'COMFY', not OFFICIAL or DIFFUSERS");
    }

    @Test
    void oldFlowsLoseTheDuplicatedPropertiesAndKeepTheirGuidance() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        encode.setProperty(EncodePrompt.OLD_GUIDANCE_SCALE, "3.0");
        final PropertyMigrationResult literal = encode.migrateProperties();
        assertEquals(java.util.Set.of(EncodePrompt.OLD_GUIDANCE_SCALE), literal.getPropertiesRemoved());
        assertEquals("true", encode.getProcessContext().getProperties().get(EncodePrompt.CLASSIFIER_FREE_GUIDANCE));

        final TestRunner expression = TestRunners.newTestRunner(EncodePrompt.class);
        expression.setProperty(EncodePrompt.OLD_GUIDANCE_SCALE, "${req.guidance}");
        expression.migrateProperties();
        assertEquals("${req.guidance:toDecimal():gt(1)}",
                expression.getProcessContext().getProperties().get(EncodePrompt.CLASSIFIER_FREE_GUIDANCE));

        for (final Class<? extends AbstractLtxProcessor> type : java.util.List.of(GenerateLatents.class, DecodeVideo.class)) {
            final TestRunner runner = TestRunners.newTestRunner(type);
            runner.setProperty(LtxProperties.OLD_COMPAT, "DIFFUSERS");
            assertEquals(java.util.Set.of(LtxProperties.OLD_COMPAT), runner.migrateProperties().getPropertiesRemoved());
        }
    }
}
