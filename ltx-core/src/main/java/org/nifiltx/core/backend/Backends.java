package org.nifiltx.core.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Finds the backend for a name among the implementations on the class path ({@link ServiceLoader}). */
public final class Backends {
    private Backends() {
    }

    public static Backend find(final BackendOptions options) {
        return find(options, Backends.class.getClassLoader());
    }

    /**
     * Looks in {@code loader}: in NiFi, ltx-core sits in the parent (API) NAR and cannot see the backends bundled in
     * the child NAR, so the controller service passes its own class loader.
     */
    public static Backend find(final BackendOptions options, final ClassLoader loader) {
        final List<Backend> all = new ArrayList<>();
        ServiceLoader.load(Backend.class, loader).forEach(all::add);
        for (final Backend backend : all) {
            if (backend.handles(options.backend())) {
                final String reason = backend.unavailableReason(options);
                if (reason != null) {
                    throw new LtxException(LtxErrorCode.BACKEND_UNAVAILABLE, "backend '" + options.backend() + "' is not available: " + reason);
                }
                return backend;
            }
        }
        throw new LtxException(LtxErrorCode.BACKEND_UNAVAILABLE, "backend '" + options.backend() + "' is not available: "
                + ("tensorrt".equals(options.backend()) ? "the optional trt-engines module is not on the class path"
                        : "no such backend (known: cpu, cuda, tensorrt)"));
    }
}
