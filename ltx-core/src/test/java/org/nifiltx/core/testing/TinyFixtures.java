package org.nifiltx.core.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The ltx-tiny reference fixtures as every module's tests see them: one copy under ltx-core's test resources, on each
 * module's test class path at {@code /fixtures/ltx-tiny/} (tests never read the shared folder).
 */
public final class TinyFixtures {
    private TinyFixtures() {
    }

    /** The fixture file or folder at {@code relative} (e.g. {@code model/ltxv-tiny.safetensors}). */
    public static Path path(final String relative) {
        final URL url = TinyFixtures.class.getResource("/fixtures/ltx-tiny/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource missing: fixtures/ltx-tiny/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TensorBundle read(final String relative) {
        return SafeTensors.read(path(relative));
    }
}
