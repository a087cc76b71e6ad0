package org.nifiltx.nifi.processors;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.pipeline.SuppliedNoise;
import org.nifiltx.core.safetensors.SafeTensors;

/**
 * The shape every LTX stage shares: read the FlowFile, make one service call, replace the content and add attributes;
 * on any {@link LtxException} the original FlowFile goes to failure untouched except for {@code ltx.error}.
 */
abstract class AbstractLtxProcessor extends AbstractProcessor {
    private static final Set<Relationship> RELATIONSHIPS = Set.of(LtxProperties.SUCCESS, LtxProperties.FAILURE);

    /** A stage's output: content from {@code bytes} or from {@code file} (deleted after), plus attributes. */
    record StageOutput(byte[] bytes, Path file, Map<String, String> attributes) {
        void writeTo(final OutputStream out) throws IOException {
            if (bytes != null) {
                out.write(bytes);
            } else {
                Files.copy(file, out);
            }
        }
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    /** Runs the stage on one FlowFile; throws {@link LtxException} for anything wrong with its input. */
    abstract StageOutput process(ProcessContext context, ProcessSession session, FlowFile flowFile);

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) {
        FlowFile flowFile = session.get();
        if (flowFile == null) {
            return;
        }
        final long started = System.nanoTime();
        final StageOutput output;
        try {
            output = process(context, session, flowFile);
        } catch (final LtxException e) {
            getLogger().error("{} failed for {}: {}", getClass().getSimpleName(), flowFile, e.getMessage(), e);
            session.transfer(session.putAttribute(flowFile, LtxAttributes.ERROR, e.getMessage()), LtxProperties.FAILURE);
            return;
        }
        try {
            flowFile = session.write(flowFile, output::writeTo);
        } finally {
            if (output.file() != null) {
                FlowFileTensors.deleteQuietly(output.file());
            }
        }
        flowFile = session.putAllAttributes(flowFile, output.attributes());
        session.getProvenanceReporter().modifyContent(flowFile, (System.nanoTime() - started) / 1_000_000);
        session.transfer(flowFile, LtxProperties.SUCCESS);
    }

    /** Logs a line per step so a long denoising shows progress in the bulletin log. */
    static ProgressListener progressLogger(final ComponentLog logger, final FlowFile flowFile) {
        return new ProgressListener() {
            @Override
            public void stageStarted(final String stage, final int totalSteps) {
                logger.debug("{} started ({} steps) for {}", stage, totalSteps, flowFile);
            }

            @Override
            public void stepDone(final String stage, final int step, final int totalSteps) {
                logger.info("{}: step {}/{} done for {}", stage, step, totalSteps, flowFile);
            }
        };
    }

    /** The seed's noise, or the draws of a noise file where it supplies them (the Noise File property). */
    static NoiseSource noise(final String noiseFile, final long seed) {
        return noiseFile == null || noiseFile.isBlank() ? new SeededNoise(seed)
                : new SuppliedNoise(SafeTensors.read(Path.of(noiseFile)), new SeededNoise(seed));
    }

    /** A per-FlowFile value that must be a number (Expression Language results are checked here, not at validation). */
    static long parseLong(final String what, final String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, what + " must be a 64-bit integer, got '" + value + "'");
        }
    }

    static double parseDouble(final String what, final String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, what + " must be a number, got '" + value + "'");
        }
    }

    static int parseInt(final String what, final String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, what + " must be an integer, got '" + value + "'");
        }
    }
}
