package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.processor.AbstractSessionFactoryProcessor;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

/**
 * What a user sees while the chain runs: counters, provenance details and the attribute trail (seed, steps,
 * durations); and a stopped GenerateLatents gives its FlowFile back instead of finishing it.
 */
class LtxProgressTest {
    /** The fixture model as provenance names it, with where it ran (Fixtures' service: the CPU in fp32). */
    private static final String MODEL = "diffusers (0.9.5+) on cpu:0 fp32";

    private static MockFlowFile only(final TestRunner runner) {
        runner.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        return runner.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
    }

    /** The details of the one CONTENT_MODIFIED event, with the run's milliseconds replaced by N. */
    private static String details(final TestRunner runner, final String stage) {
        final List<ProvenanceEventRecord> events = runner.getProvenanceEvents();
        assertEquals(1, events.size());
        assertEquals(ProvenanceEventType.CONTENT_MODIFIED, events.get(0).getEventType());
        final String details = events.get(0).getDetails();
        assertTrue(details.matches(".*; " + stage + " \\d+ ms"), details);
        return details.replaceAll("\\d+ ms$", "N ms");
    }

    private static long duration(final MockFlowFile flowFile, final String attribute) {
        final long millis = Long.parseLong(flowFile.getAttribute(attribute));
        assertTrue(millis >= 0, attribute + " = " + millis);
        return millis;
    }

    @Test
    void eachStageCountsAndDescribesWhatItDid() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(encode);
        encode.setProperty(EncodePrompt.MAX_LENGTH, "16");
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat", LtxAttributes.SEED, "42"));
        encode.run();
        final MockFlowFile embeddings = only(encode);
        assertEquals(1L, encode.getCounterValue("LTX prompts encoded"));
        duration(embeddings, LtxAttributes.DURATION_ENCODE);
        assertEquals("prompt of 6 characters encoded to 16 tokens, model " + MODEL + "; encode N ms", details(encode, "encode"));

        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        final MockFlowFile latents = only(generate);
        assertEquals(2L, generate.getCounterValue(LtxProperties.COUNTER_DENOISING_STEPS));
        assertEquals(1L, generate.getCounterValue("LTX latents generated"));
        assertNull(generate.getCounterValue(LtxProperties.COUNTER_FAILURES));
        latents.assertAttributeEquals(LtxAttributes.SEED, "42");
        latents.assertAttributeEquals(LtxAttributes.STEPS, "2");
        duration(latents, LtxAttributes.DURATION_ENCODE);
        duration(latents, LtxAttributes.DURATION_GENERATE);
        assertEquals("seed 42, 2 steps, 9 frames of 96x64 at 25.0 fps, guidance 1.0, model " + MODEL + "; generate N ms",
                details(generate, "generate"));

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.GIF);
        decode.enqueue(latents.toByteArray(), latents.getAttributes());
        decode.run();
        final MockFlowFile video = only(decode);
        assertEquals(1L, decode.getCounterValue("LTX videos decoded"));
        video.assertAttributeEquals(LtxAttributes.DECODE_SEED, "42");
        video.assertAttributeEquals(LtxAttributes.SEED, "42");
        video.assertAttributeEquals(LtxAttributes.STEPS, "2");
        video.assertAttributeEquals(LtxAttributes.BACKEND, "cpu");
        video.assertAttributeEquals(LtxAttributes.DEVICE, "0");
        video.assertAttributeEquals(LtxAttributes.PRECISION, "fp32");
        // a standalone server: no node to name
        video.assertAttributeNotExists(LtxAttributes.NODE);
        duration(video, LtxAttributes.DURATION_ENCODE);
        duration(video, LtxAttributes.DURATION_GENERATE);
        duration(video, LtxAttributes.DURATION_DECODE);
        assertEquals("GIF, 9 frames of 96x64 at 25.0 fps, decode seed 42, model " + MODEL + "; decode N ms",
                details(decode, "decode"));
    }

    @Test
    void theSeedIsRandomPerFlowFileUnlessSetAndAlwaysWritten() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        final Map<String, String> seeded = new HashMap<>(embeddings.getAttributes());
        seeded.put(LtxAttributes.SEED, "7");
        generate.enqueue(embeddings.toByteArray(), seeded);
        generate.run(3);
        generate.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 3);
        final List<MockFlowFile> results = generate.getFlowFilesForRelationship(LtxProperties.SUCCESS);
        final String first = results.get(0).getAttribute(LtxAttributes.SEED);
        final String second = results.get(1).getAttribute(LtxAttributes.SEED);
        assertNotEquals(first, second);
        for (final String seed : List.of(first, second)) {
            final long value = Long.parseLong(seed);
            assertTrue(value >= 0 && value < FlowFileSettings.RANDOM_SEED_BOUND, seed);
        }
        assertFalse(Arrays.equals(results.get(0).toByteArray(), results.get(1).toByteArray()), "same noise");
        results.get(2).assertAttributeEquals(LtxAttributes.SEED, "7");

        // The written seed is the one the noise came from: the same seed as a property gives the same latents.
        final TestRunner again = Fixtures.tinyGenerateLatents();
        again.setProperty(GenerateLatents.SEED, first);
        again.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        again.run();
        assertArrayEquals(results.get(0).toByteArray(), only(again).toByteArray());
    }

    @Test
    void stoppingDuringTheGenerationLeavesTheFlowFileQueuedAfterOneStep() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        generate.setProperty(GenerateLatents.STEPS, "5");
        final StubModelService stub = StubModelService.add(generate);
        // The operator stops the processor while the first step runs.
        stub.afterStep = ((AbstractSessionFactoryProcessor) generate.getProcessor())::updateScheduledFalse;
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        generate.assertTransferCount(LtxProperties.SUCCESS, 0);
        generate.assertTransferCount(LtxProperties.FAILURE, 0);
        generate.assertTransferCount(LtxProperties.RETRY, 0);
        assertEquals(1, generate.getQueueSize().getObjectCount());
        assertEquals(1L, generate.getCounterValue(LtxProperties.COUNTER_DENOISING_STEPS));
        assertEquals(1L, generate.getCounterValue(LtxProperties.COUNTER_STOPPED));
        assertTrue(generate.getProvenanceEvents().isEmpty());
        assertTrue(generate.getLogger().getErrorMessages().isEmpty());
        assertTrue(generate.getLogger().getWarnMessages().isEmpty());

        // Started again, the FlowFile runs to the end.
        stub.afterStep = () -> { };
        generate.run();
        only(generate).assertAttributeEquals(LtxAttributes.STEPS, "5");
        assertEquals(6L, generate.getCounterValue(LtxProperties.COUNTER_DENOISING_STEPS));
    }
}
