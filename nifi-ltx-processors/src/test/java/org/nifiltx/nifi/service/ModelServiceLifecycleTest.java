package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.nifi.processors.Fixtures;
import org.nifiltx.nifi.processors.GenerateLatents;
import org.slf4j.helpers.MessageFormatter;

/**
 * Stopping and disabling while a generation runs, on the tiny model: the run ends within a step, its FlowFile goes
 * back to the queue, and no session is freed while a call is inside it.
 */
class ModelServiceLifecycleTest {
    private static final long WAIT_SECONDS = 20;
    private static final String STEPS_COUNTER = "LTX denoising steps";
    private static final String STOPPED_COUNTER = "LTX generations stopped";

    /** GenerateLatents at the tiny size with 50 steps, on a watched service with {@code properties}. */
    private static TestRunner longGeneration(final WatchedModelService service,
            final Map<org.apache.nifi.components.PropertyDescriptor, String> properties) {
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner, service, properties);
        Fixtures.tinySizes(runner);
        runner.setProperty(GenerateLatents.STEPS, "50");
        final MockFlowFile embeddings = Fixtures.encode("a boat");
        runner.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        return runner;
    }

    private static void await(final CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for the other thread");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void join(final Thread thread) throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertTrue(!thread.isAlive(), thread.getName() + " did not end");
    }

    /** The FlowFile went back to the input queue: nothing transferred, the stop counted once. */
    private static void assertGivenBack(final TestRunner runner, final long steps) {
        assertEquals(1, runner.getQueueSize().getObjectCount());
        for (final String relationship : List.of("success", "failure", "retry")) {
            runner.assertTransferCount(relationship, 0);
        }
        assertEquals(steps, runner.getCounterValue(STEPS_COUNTER));
        assertEquals(1L, runner.getCounterValue(STOPPED_COUNTER));
        assertTrue(runner.getProvenanceEvents().isEmpty());
        assertTrue(runner.getLogger().getErrorMessages().isEmpty(), runner.getLogger().getErrorMessages().toString());
    }

    private static List<String> formatted(final List<LogMessage> messages) {
        return messages.stream().map(m -> MessageFormatter.arrayFormat(m.getMsg(), m.getArgs()).getMessage()).toList();
    }

    @Test
    void stoppingTheProcessorFromAnotherThreadEndsTheGenerationAfterTheStepRunning() throws Exception {
        final WatchedModelService service = new WatchedModelService();
        final TestRunner generate = longGeneration(service, Map.of());
        final CountDownLatch secondStep = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        // Step 2 starts only after step 1's progress callback; it is held until the operator's stop has landed.
        service.backend.beforeRun = (component, run) -> {
            if (component.equals(CountingBackend.TRANSFORMER) && run == 2) {
                secondStep.countDown();
                await(stopped);
            }
        };
        final Thread operator = new Thread(() -> {
            await(secondStep);
            generate.unSchedule();
            stopped.countDown();
        }, "operator");
        operator.start();
        generate.run();
        join(operator);

        assertGivenBack(generate, 2);
        assertEquals(2, service.backend.runs(CountingBackend.TRANSFORMER));
        assertTrue(formatted(generate.getLogger().getInfoMessages()).stream()
                .anyMatch(m -> m.endsWith("which stays in the input queue: denoise stopped before step 3 of 50")));
    }

    @Test
    void disablingDuringAGenerationStopsItAndReturnsOnlyOnceTheCallEnded() throws Exception {
        final WatchedModelService service = new WatchedModelService();
        final TestRunner generate = longGeneration(service, Map.of());
        final OpenModel model = service.openModel();
        final CountDownLatch secondStep = new CountDownLatch(1);
        service.backend.beforeRun = (component, run) -> {
            if (component.equals(CountingBackend.TRANSFORMER) && run == 2) {
                secondStep.countDown();
                // Held until the disable has begun (the service no longer lends the model), so it waits for this step.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (service.openModel() != null && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
        };
        final AtomicInteger leasesAtReturn = new AtomicInteger(-1);
        final AtomicInteger activeAtReturn = new AtomicInteger(-1);
        final Thread operator = new Thread(() -> {
            await(secondStep);
            generate.disableControllerService(service);
            leasesAtReturn.set(model.leases());
            activeAtReturn.set(service.backend.active());
        }, "operator");
        operator.start();
        generate.run();
        join(operator);

        assertEquals(0, leasesAtReturn.get());
        assertEquals(0, activeAtReturn.get());
        assertGivenBack(generate, 2);
        assertEquals(2, service.backend.runs(CountingBackend.TRANSFORMER));
        assertTrue(formatted(generate.getLogger().getInfoMessages()).stream().anyMatch(m -> m.endsWith(
                "which stays in the input queue: the LTX-Video model service is being disabled: denoise stopped before "
                        + "step 3 of 50")));
        // Every session built at enable (T5 released there, transformer, VAE decoder) was freed, none under a run.
        assertEquals(List.of(), service.backend.closedWhileRunning());
        for (final String component : List.of(CountingBackend.TEXT_ENCODER, CountingBackend.TRANSFORMER,
                CountingBackend.VAE_DECODER)) {
            assertEquals(1, service.backend.builds(component), component);
            assertEquals(1, service.backend.closes(component), component);
        }
        assertNull(service.models());

        // A call arriving now is refused as before, so its processor yields.
        final LtxException refused = assertThrows(LtxException.class, () -> service.encodePrompts(
                GenerationRequest.builder().prompt("a boat").build().promptSpec(), ProgressListener.NONE));
        assertEquals(LtxErrorCode.BACKEND_UNAVAILABLE, refused.code());
        assertEquals("the LTX-Video model service is not enabled", refused.getMessage());
    }

    @Test
    void aCallOutlivingTheDisableTimeoutKeepsItsSessionsUntilItEnds() throws Exception {
        final WatchedModelService service = new WatchedModelService();
        final TestRunner generate = longGeneration(service, Map.of(StandardLtxVideoModelService.DISABLE_TIMEOUT, "200 millis"));
        final OpenModel model = service.openModel();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        // The first step cannot be interrupted (one ONNX Runtime call); it outlasts the disable's wait.
        service.backend.beforeRun = (component, run) -> {
            if (component.equals(CountingBackend.TRANSFORMER) && run == 1) {
                running.countDown();
                await(release);
            }
        };
        final Thread processor = new Thread(generate::run, "processor");
        processor.start();
        await(running);
        final long started = System.nanoTime();
        generate.disableControllerService(service);
        final long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(waited >= 200 && waited < 10_000, waited + " ms");
        assertEquals(1, model.leases());
        assertEquals(0, service.backend.closes(CountingBackend.TRANSFORMER));
        assertEquals(List.of("1 call(s) still use the LTX-Video model after 200 ms; its sessions are freed when they end"),
                formatted(generate.getControllerServiceLogger(Fixtures.SERVICE_ID).getWarnMessages()).stream()
                        .map(m -> m.substring(m.indexOf(' ') + 1)).toList());

        release.countDown();
        join(processor);
        assertEquals(0, model.leases());
        assertGivenBack(generate, 1);
        assertEquals(List.of(), service.backend.closedWhileRunning());
        assertEquals(1, service.backend.closes(CountingBackend.TRANSFORMER));
        assertEquals(1, service.backend.closes(CountingBackend.VAE_DECODER));
    }

    @Test
    void enablingBuildsTheSessionsAndFailsWithTheReasonWhenOneCannotBeBuilt() {
        final WatchedModelService service = new WatchedModelService();
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner, service, Map.of());
        // Built at enable: T5 (kept, Release Text Encoder is off), transformer, VAE decoder; not the VAE encoder.
        assertEquals(List.of(1, 1, 1, 0, 0), builds(service.backend));
        assertEquals(0, service.backend.closes(CountingBackend.TEXT_ENCODER));
        runner.disableControllerService(service);

        service.backend.failingBuild = CountingBackend.VAE_DECODER;
        service.backend.buildFailure = new LtxException(LtxErrorCode.BACKEND_FAILURE, "no memory for the VAE decoder");
        final AssertionError failed = assertThrows(AssertionError.class, () -> runner.enableControllerService(service));
        assertTrue(failed.getMessage().endsWith("LtxException: no memory for the VAE decoder"), failed.getMessage());
        assertNull(service.models());
        // What the failed enable had built is freed again.
        assertEquals(List.of(2, 2, 1, 0, 0), builds(service.backend));
        assertEquals(2, service.backend.closes(CountingBackend.TEXT_ENCODER));
        assertEquals(2, service.backend.closes(CountingBackend.TRANSFORMER));
    }

    private static List<Integer> builds(final CountingBackend backend) {
        return List.of(backend.builds(CountingBackend.TEXT_ENCODER), backend.builds(CountingBackend.TRANSFORMER),
                backend.builds(CountingBackend.VAE_DECODER), backend.builds(CountingBackend.VAE_ENCODER),
                backend.builds(CountingBackend.UPSAMPLER));
    }

    @Test
    void releaseTextEncoderBuildsT5AtEnableThenFreesIt() {
        final WatchedModelService service = new WatchedModelService();
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner, service, Map.of(StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "true",
                StandardLtxVideoModelService.LATENT_UPSAMPLER_PATH, Fixtures.fixture("model/latent_upsampler").toString()));
        assertEquals(List.of(1, 1, 1, 0, 1), builds(service.backend));
        assertEquals(1, service.backend.closes(CountingBackend.TEXT_ENCODER));
        assertNotNull(service.models());
        runner.disableControllerService(service);
    }

    @Test
    void aLeaseIsRefusedOnceClosingAndTheModelIsFreedAtOnceWhenIdle() {
        final WatchedModelService service = new WatchedModelService();
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner, service, Map.of());
        final OpenModel model = service.openModel();
        final long started = System.nanoTime();
        assertTrue(model.close(Duration.ofSeconds(WAIT_SECONDS)));
        final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(took < 5_000, took + " ms");
        assertEquals(1, service.backend.closes(CountingBackend.TRANSFORMER));
        final LtxException refused = assertThrows(LtxException.class, model::lease);
        assertEquals("the LTX-Video model service is not enabled", refused.getMessage());
    }
}
