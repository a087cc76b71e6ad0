package org.nifiltx.nifi.service;

import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;

/** The standard service on a {@link CountingBackend}, so tests see what runs inside the backend and when. */
public class WatchedModelService extends StandardLtxVideoModelService {
    final CountingBackend backend = new CountingBackend();

    @Override
    Backend backend(final BackendOptions options) {
        return backend.watch(super.backend(options));
    }
}
