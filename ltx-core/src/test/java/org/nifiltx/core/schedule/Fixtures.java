package org.nifiltx.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;

/** Loads the copied ltx-tiny fixture files from the test classpath and compares float arrays. */
final class Fixtures {
    /** The task's tolerance: max abs error relative to max |reference|. */
    static final double RELATIVE_TOLERANCE = 1e-4;

    private Fixtures() {
    }

    static Path path(final String relative) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/ltx-tiny/cases/" + relative).toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static TensorBundle tensors(final String relative) {
        return SafeTensors.read(path(relative));
    }

    static JsonNode json(final String relative) {
        try {
            return new ObjectMapper().readTree(Files.readString(path(relative)));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Max |actual - expected| over max |expected|; asserts equal length first. */
    static double relativeError(final float[] expected, final float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        double maxError = 0.0;
        double maxReference = 0.0;
        for (int i = 0; i < expected.length; i++) {
            maxError = Math.max(maxError, Math.abs((double) actual[i] - expected[i]));
            maxReference = Math.max(maxReference, Math.abs((double) expected[i]));
        }
        return maxReference == 0.0 ? maxError : maxError / maxReference;
    }

    /** Asserts the task tolerance and prints the measured error so the report can quote it. */
    static void assertClose(final String name, final float[] expected, final float[] actual) {
        final double error = relativeError(expected, actual);
        System.out.printf("%s: max relative error %.3e%n", name, error);
        assertTrue(error <= RELATIVE_TOLERANCE, name + ": relative error " + error);
    }
}
