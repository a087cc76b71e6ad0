package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * NiFi's failure conventions: bad input is penalized on failure and logged at WARN without a stack trace, transient
 * trouble is penalized on retry, an unavailable service keeps the FlowFile queued and yields, a success clears an old
 * ltx.error.
 */
class LtxFailureConventionsTest {
    private static final String OUT_OF_MEMORY = "out of memory while denoising: Java heap space; lower the size, frame count or "
            + "the processor's concurrent tasks";

    private static MockFlowFile only(final TestRunner runner, final org.apache.nifi.processor.Relationship relationship) {
        runner.assertAllFlowFilesTransferred(relationship, 1);
        return runner.getFlowFilesForRelationship(relationship).get(0);
    }

    @Test
    void outOfMemoryGoesToRetryPenalizedWithItsSeed() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        final StubModelService stub = StubModelService.add(generate);
        stub.failure = new LtxException(LtxErrorCode.OUT_OF_MEMORY, OUT_OF_MEMORY);
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        final MockFlowFile retry = only(generate, LtxProperties.RETRY);
        retry.assertAttributeEquals(LtxAttributes.ERROR, OUT_OF_MEMORY);
        assertTrue(retry.isPenalized());
        assertArrayEquals(embeddings.toByteArray(), retry.toByteArray(), "content changed");
        assertEquals(1L, generate.getCounterValue(LtxProperties.COUNTER_RETRIES));
        assertTrue(generate.getLogger().getErrorMessages().isEmpty(), "no ERROR bulletin for a retry");
        final String seed = retry.getAttribute(LtxAttributes.SEED);
        final long value = Long.parseLong(seed);
        assertTrue(value >= 0 && value < FlowFileSettings.RANDOM_SEED_BOUND, seed);

        // Routed back, the FlowFile makes the video of the seed it drew, and loses its error.
        stub.failure = null;
        generate.clearTransferState();
        generate.enqueue(retry.toByteArray(), retry.getAttributes());
        generate.run();
        final MockFlowFile latents = only(generate, LtxProperties.SUCCESS);
        latents.assertAttributeEquals(LtxAttributes.SEED, seed);
        latents.assertAttributeNotExists(LtxAttributes.ERROR);
    }

    @Test
    void aBackendFailureGoesToRetry() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        StubModelService.add(encode).failure = new LtxException(LtxErrorCode.BACKEND_FAILURE, "CUDA error: an illegal memory access");
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat"));
        encode.run();
        final MockFlowFile retry = only(encode, LtxProperties.RETRY);
        retry.assertAttributeEquals(LtxAttributes.ERROR, "CUDA error: an illegal memory access");
        assertTrue(retry.isPenalized());
    }

    @Test
    void anOutputThatCannotBeWrittenGoesToRetry() {
        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        StubModelService.add(decode).failure = new LtxException(LtxErrorCode.WRITE_FAILED,
                "cannot write a temporary file in /tmp: No space left on device");
        final MockFlowFile latents = latents();
        decode.enqueue(latents.toByteArray(), latents.getAttributes());
        decode.run();
        final MockFlowFile retry = only(decode, LtxProperties.RETRY);
        retry.assertAttributeEquals(LtxAttributes.ERROR, "cannot write a temporary file in /tmp: No space left on device");
        assertTrue(retry.isPenalized());
        assertArrayEquals(latents.toByteArray(), retry.toByteArray(), "content changed");
    }

    @Test
    void anUnavailableServiceKeepsTheFlowFileQueuedAndYields() {
        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        StubModelService.add(decode).failure = new LtxException(LtxErrorCode.BACKEND_UNAVAILABLE,
                "the LTX-Video model service is not enabled");
        final MockFlowFile latents = latents();
        decode.enqueue(latents.toByteArray(), latents.getAttributes());
        decode.run();
        decode.assertTransferCount(LtxProperties.SUCCESS, 0);
        decode.assertTransferCount(LtxProperties.FAILURE, 0);
        decode.assertTransferCount(LtxProperties.RETRY, 0);
        assertEquals(1, decode.getQueueSize().getObjectCount());
        assertTrue(decode.isYieldCalled());
        final List<LogMessage> errors = decode.getLogger().getErrorMessages();
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).getMsg().contains("the LTX-Video model service is not enabled"), errors.get(0).getMsg());
    }

    @Test
    void badInputIsLoggedAtWarnWithoutAStackTrace() {
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        final byte[] content = "abcde".getBytes(StandardCharsets.US_ASCII);
        generate.enqueue(content);
        generate.run();
        final MockFlowFile failed = only(generate, LtxProperties.FAILURE);
        assertTrue(failed.isPenalized());
        assertTrue(generate.getLogger().getErrorMessages().isEmpty());
        final List<LogMessage> warnings = generate.getLogger().getWarnMessages();
        assertEquals(1, warnings.size());
        assertNull(warnings.get(0).getThrowable(), "bad input is logged without a stack trace");
        assertTrue(Arrays.stream(warnings.get(0).getArgs()).noneMatch(Throwable.class::isInstance));
        assertTrue(warnings.get(0).getMsg().contains("file is 5 bytes, too short for the 8-byte header length"),
                warnings.get(0).getMsg());
    }

    @Test
    void anUnexpectedExceptionGoesToFailurePenalizedWithItsStackTraceLogged() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        StubModelService.add(encode).failure = new IllegalStateException("a bug");
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat"));
        encode.run();
        final MockFlowFile failed = only(encode, LtxProperties.FAILURE);
        failed.assertAttributeEquals(LtxAttributes.ERROR, "java.lang.IllegalStateException: a bug");
        assertTrue(failed.isPenalized());
        final List<LogMessage> errors = encode.getLogger().getErrorMessages();
        assertEquals(1, errors.size());
        // The exception is the last argument, which NiFi's logger turns into the stack trace.
        final Object[] arguments = errors.get(0).getArgs();
        assertTrue(errors.get(0).getThrowable() instanceof IllegalStateException
                || arguments[arguments.length - 1] instanceof IllegalStateException);
    }

    @Test
    void aSuccessRemovesAStaleError() {
        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(encode);
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a boat", LtxAttributes.ERROR, "out of memory while encoding"));
        encode.run();
        final MockFlowFile encoded = only(encode, LtxProperties.SUCCESS);
        encoded.assertAttributeNotExists(LtxAttributes.ERROR);
        assertTrue(!encoded.isPenalized());
    }

    /** Tiny latents from the real chain, for DecodeVideo. */
    private static MockFlowFile latents() {
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        final TestRunner generate = Fixtures.tinyGenerateLatents();
        final Map<String, String> attributes = new HashMap<>(embeddings.getAttributes());
        attributes.put(LtxAttributes.SEED, "5");
        generate.enqueue(embeddings.toByteArray(), attributes);
        generate.run();
        return only(generate, LtxProperties.SUCCESS);
    }
}
