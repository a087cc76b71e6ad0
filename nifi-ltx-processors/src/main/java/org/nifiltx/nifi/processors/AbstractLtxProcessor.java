package org.nifiltx.nifi.processors;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.nifi.controller.NodeTypeProvider;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.io.OutputStreamCallback;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.pipeline.SuppliedNoise;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.nifi.api.LtxModelInfo;

/**
 * The shape every LTX stage shares: read the FlowFile, make one service call, replace the content and add attributes.
 * Whatever goes wrong is decided here, per FlowFile:
 * <ul>
 * <li>bad content or settings: the original FlowFile, penalized, to {@code failure} with {@code ltx.error} (WARN, no
 * stack trace: it is the data's problem, not the operator's);</li>
 * <li>out of memory, a backend failure or an output that cannot be written (a full temporary folder): the same to
 * {@code retry};</li>
 * <li>the model service unavailable: the FlowFile back to its queue and the processor yields (ERROR bulletin);</li>
 * <li>the processor stopped during a generation: the FlowFile back to its queue, nothing emitted;</li>
 * <li>any other exception: {@code failure} with the exception in {@code ltx.error}, logged with its stack trace.</li>
 * </ul>
 */
abstract class AbstractLtxProcessor extends AbstractProcessor {
    private static final Set<Relationship> RELATIONSHIPS = Set.of(LtxProperties.SUCCESS, LtxProperties.RETRY,
            LtxProperties.FAILURE);

    /**
     * A stage's output: what writes the new content straight into the content repository (no temporary file, no
     * byte array of it), the attributes, what the provenance event says about it, and the model that made it (named
     * with its backend, device and precision there).
     */
    record StageOutput(OutputStreamCallback content, Map<String, String> attributes, String details, LtxModelInfo model) {
        /** Tensors as safetensors content. */
        static StageOutput tensors(final TensorBundle bundle, final Map<String, String> attributes, final String details,
                final LtxModelInfo model) {
            return new StageOutput(out -> SafeTensors.write(out, bundle), attributes, details, model);
        }
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    /** The stage's short name: {@code ltx.duration.ms.<stage>} and the provenance details use it. */
    abstract String stage();

    /** The counter one success adds 1 to, e.g. "LTX prompts encoded". */
    abstract String successCounter();

    /**
     * Runs the stage on one FlowFile; throws {@link LtxException} for anything wrong with its input. Attributes put in
     * {@code trail} (the seed) go out with the FlowFile on every relationship.
     */
    abstract StageOutput process(ProcessContext context, ProcessSession session, FlowFile flowFile, Map<String, String> trail);

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) {
        FlowFile flowFile = session.get();
        if (flowFile == null) {
            return;
        }
        final long started = System.nanoTime();
        final Map<String, String> trail = new LinkedHashMap<>();
        try {
            final StageOutput output = process(context, session, flowFile, trail);
            try {
                flowFile = session.write(flowFile, output.content());
            } catch (final ProcessException e) {
                // the content repository failed (a full disk): NiFi's problem, not the request's; worth a retry
                final Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new LtxException(LtxErrorCode.WRITE_FAILED, "cannot write the FlowFile content: " + cause.getMessage(), e);
            }
            final long millis = (System.nanoTime() - started) / 1_000_000;
            final Map<String, String> attributes = new LinkedHashMap<>(output.attributes());
            attributes.putAll(trail);
            attributes.putAll(placement(output.model()));
            attributes.put(LtxAttributes.DURATION_PREFIX + stage(), String.valueOf(millis));
            flowFile = session.removeAttribute(session.putAllAttributes(flowFile, attributes), LtxAttributes.ERROR);
            session.getProvenanceReporter().modifyContent(flowFile, output.details() + ", model " + output.model().describe()
                    + node().map(node -> " at node " + node).orElse("") + "; " + stage() + " " + millis + " ms", millis);
            session.adjustCounter(successCounter(), 1, false);
            session.transfer(flowFile, LtxProperties.SUCCESS);
        } catch (final LtxException e) {
            handle(context, session, flowFile, trail, e);
        } catch (final OutOfMemoryError e) {
            getLogger().warn("Routing {} to retry: out of memory: {}", flowFile, e.getMessage());
            route(session, flowFile, trail, "out of memory: " + e.getMessage(), LtxProperties.RETRY, LtxProperties.COUNTER_RETRIES);
        } catch (final Exception e) {
            getLogger().error("Routing {} to failure after an unexpected error", flowFile, e);
            route(session, flowFile, trail, e.toString(), LtxProperties.FAILURE, LtxProperties.COUNTER_FAILURES);
        }
    }

    /**
     * Where this stage ran: the backend, device and precision of this node's model service and, in a cluster, the node,
     * so each video can be traced to the accelerator that made it.
     */
    private Map<String, String> placement(final LtxModelInfo model) {
        final Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(LtxAttributes.BACKEND, model.placement().backend());
        attributes.put(LtxAttributes.DEVICE, String.valueOf(model.placement().device()));
        attributes.put(LtxAttributes.PRECISION, model.placement().precision());
        node().ifPresent(node -> attributes.put(LtxAttributes.NODE, node));
        return attributes;
    }

    /** This node's address in a cluster (as the cluster knows it); empty on a standalone server. */
    private Optional<String> node() {
        final NodeTypeProvider nodes = getNodeTypeProvider();
        return nodes == null ? Optional.empty() : nodes.getCurrentNode();
    }

    private void handle(final ProcessContext context, final ProcessSession session, final FlowFile flowFile,
            final Map<String, String> trail, final LtxException e) {
        switch (e.code()) {
            case CANCELLED -> {
                getLogger().info("Stopped while processing {}, which stays in the input queue: {}", flowFile, e.getMessage());
                session.adjustCounter(LtxProperties.COUNTER_STOPPED, 1, true);
                session.rollback();
            }
            case BACKEND_UNAVAILABLE -> {
                getLogger().error("The LTX-Video model service is unavailable, {} stays in the input queue and the processor "
                        + "yields: {}", flowFile, e.getMessage());
                session.rollback();
                context.yield();
            }
            case OUT_OF_MEMORY, BACKEND_FAILURE, WRITE_FAILED -> {
                getLogger().warn("Routing {} to retry: {}", flowFile, e.getMessage());
                route(session, flowFile, trail, e.getMessage(), LtxProperties.RETRY, LtxProperties.COUNTER_RETRIES);
            }
            default -> {
                getLogger().warn("Routing {} to failure: {}", flowFile, e.getMessage());
                route(session, flowFile, trail, e.getMessage(), LtxProperties.FAILURE, LtxProperties.COUNTER_FAILURES);
            }
        }
    }

    private static void route(final ProcessSession session, final FlowFile flowFile, final Map<String, String> trail,
            final String error, final Relationship relationship, final String counter) {
        FlowFile routed = session.putAllAttributes(flowFile, trail);
        routed = session.putAttribute(routed, LtxAttributes.ERROR, error == null ? "unknown error" : error);
        session.adjustCounter(counter, 1, false);
        session.transfer(session.penalize(routed), relationship);
    }

    /**
     * Logs a line per step, counts denoising steps ({@code countSteps}) as they finish, and stops the generation before
     * the next step once the processor is no longer scheduled.
     */
    ProgressListener progress(final ProcessSession session, final FlowFile flowFile, final boolean countSteps) {
        return new ProgressListener() {
            @Override
            public void stageStarted(final String stage, final int totalSteps) {
                getLogger().debug("{} started ({} steps) for {}", stage, totalSteps, flowFile);
            }

            @Override
            public void stepDone(final String stage, final int step, final int totalSteps) {
                getLogger().info("{}: step {}/{} done for {}", stage, step, totalSteps, flowFile);
                if (countSteps) {
                    // Immediate: the work was done even when a later stop rolls the session back.
                    session.adjustCounter(LtxProperties.COUNTER_DENOISING_STEPS, 1, true);
                }
            }

            @Override
            public boolean cancelled() {
                return !isScheduled();
            }
        };
    }

    /** The seed's noise, or the draws of a noise file where it supplies them (the Noise File property). */
    static NoiseSource noise(final String noiseFile, final long seed) {
        return noiseFile == null || noiseFile.isBlank() ? new SeededNoise(seed)
                : new SuppliedNoise(SafeTensors.read(Path.of(noiseFile)), new SeededNoise(seed));
    }
}
