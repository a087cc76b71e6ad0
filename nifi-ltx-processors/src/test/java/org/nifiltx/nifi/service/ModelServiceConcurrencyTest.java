package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.nifi.processors.EncodePrompt;
import org.nifiltx.nifi.processors.Fixtures;
import org.nifiltx.nifi.processors.LtxAttributes;

/** Several processor tasks on one service: the run permits, and the text encoder shared while it is released. */
class ModelServiceConcurrencyTest {
    private static final List<String> PROMPTS = List.of("a red ball", "a boat at sea", "two cats", "rain on a window");

    /** Four FlowFiles, one per prompt, through EncodePrompt with four concurrent tasks; the outputs by prompt. */
    private static Map<String, byte[]> encodeConcurrently(final WatchedModelService service,
            final Map<PropertyDescriptor, String> properties) {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(runner, service, properties);
        runner.setProperty(EncodePrompt.MAX_LENGTH, "16");
        runner.setThreadCount(PROMPTS.size());
        for (final String prompt : PROMPTS) {
            runner.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, prompt));
        }
        runner.run(PROMPTS.size());
        runner.assertAllFlowFilesTransferred("success", PROMPTS.size());
        final Map<String, byte[]> outputs = new HashMap<>();
        for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship("success")) {
            outputs.put(flowFile.getAttribute(LtxAttributes.PROMPT), flowFile.toByteArray());
        }
        runner.disableControllerService(service);
        return outputs;
    }

    /** Holds each run of {@code component} until {@code parties} runs are inside the backend together. */
    private static CountingBackend.RunHook meetInside(final String component, final int parties) {
        final CyclicBarrier barrier = new CyclicBarrier(parties);
        return (name, run) -> {
            if (name.equals(component)) {
                try {
                    barrier.await(20, TimeUnit.SECONDS);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (final BrokenBarrierException | TimeoutException e) {
                    // The runs did not meet: maxActive() below tells.
                }
            }
        };
    }

    @Test
    void fourEncodingsAtOnceShareTheT5SessionsThatTheLastOneReleases() {
        final WatchedModelService service = new WatchedModelService();
        service.backend.beforeRun = meetInside(CountingBackend.TEXT_ENCODER, 4);
        final Map<String, byte[]> concurrent = encodeConcurrently(service, Map.of(
                StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "true", StandardLtxVideoModelService.MAX_CONCURRENT_RUNS, "4"));
        assertEquals(4, service.backend.maxActive());
        assertEquals(List.of(), service.backend.closedWhileRunning());
        // Built at enable and released there; built once more for the four encodings and released by the last one.
        assertEquals(2, service.backend.builds(CountingBackend.TEXT_ENCODER));
        assertEquals(2, service.backend.closes(CountingBackend.TEXT_ENCODER));
        assertEquals(4, service.backend.runs(CountingBackend.TEXT_ENCODER));

        for (final String prompt : PROMPTS) {
            assertArrayEquals(Fixtures.encode(prompt).toByteArray(), concurrent.get(prompt), prompt);
        }
    }

    @Test
    void maxConcurrentRunsOneLetsOneRunAtATimeIntoTheBackend() {
        final WatchedModelService service = new WatchedModelService();
        // Each run lingers, so that without the permits the four tasks would overlap.
        service.backend.beforeRun = (component, run) -> {
            try {
                Thread.sleep(30);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        encodeConcurrently(service, Map.of(StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "true"));
        assertEquals(1, service.backend.maxActive());
        assertEquals(4, service.backend.runs(CountingBackend.TEXT_ENCODER));
        // One at a time, each encoding is the last: T5 is released after each and built again for the next.
        assertEquals(5, service.backend.builds(CountingBackend.TEXT_ENCODER));
        assertEquals(5, service.backend.closes(CountingBackend.TEXT_ENCODER));
    }

    @Test
    void maxConcurrentRunsTwoLetsTwoRunsOverlap() {
        final WatchedModelService service = new WatchedModelService();
        service.backend.beforeRun = meetInside(CountingBackend.TEXT_ENCODER, 2);
        encodeConcurrently(service, Map.of(StandardLtxVideoModelService.MAX_CONCURRENT_RUNS, "2"));
        assertEquals(2, service.backend.maxActive());
        assertEquals(4, service.backend.runs(CountingBackend.TEXT_ENCODER));
    }
}
