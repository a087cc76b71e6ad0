package org.nifiltx.nifi.service;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The real backend with every session watched: builds, runs and closes counted per component, the most runs ever
 * inside the backend at once, and sessions closed while a run was inside them (which it then does not close, so such
 * a bug fails an assertion instead of crashing the JVM in native code). {@link #beforeRun} lets a test hold a run.
 */
final class CountingBackend implements Backend {
    static final String TEXT_ENCODER = "text encoder";
    static final String TRANSFORMER = "transformer";
    static final String VAE_DECODER = "vae decoder";
    static final String VAE_ENCODER = "vae encoder";
    static final String UPSAMPLER = "latent upsampler";

    /** Called inside each run before the session computes, with the component and its run number (from 1). */
    interface RunHook {
        void beforeRun(String component, int run);
    }

    private volatile Backend delegate;
    private final Map<String, AtomicInteger> builds = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> closes = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private final List<String> closedWhileRunning = new CopyOnWriteArrayList<>();
    volatile RunHook beforeRun = (component, run) -> { };
    /** A component whose build fails with this exception, or null. */
    volatile String failingBuild;
    volatile RuntimeException buildFailure;

    /** Watches {@code backend} from now on (the service finds it anew at each enable and verify). */
    Backend watch(final Backend backend) {
        this.delegate = backend;
        return this;
    }

    int builds(final String component) {
        return count(builds, component);
    }

    int runs(final String component) {
        return count(runs, component);
    }

    int closes(final String component) {
        return count(closes, component);
    }

    int active() {
        return active.get();
    }

    int maxActive() {
        return maxActive.get();
    }

    List<String> closedWhileRunning() {
        return List.copyOf(closedWhileRunning);
    }

    private static int count(final Map<String, AtomicInteger> counts, final String component) {
        final AtomicInteger count = counts.get(component);
        return count == null ? 0 : count.get();
    }

    private ComponentRunner watched(final String component, final Supplier<ComponentRunner> build) {
        if (component.equals(failingBuild)) {
            throw buildFailure;
        }
        final ComponentRunner runner = build.get();
        builds.computeIfAbsent(component, key -> new AtomicInteger()).incrementAndGet();
        return new ComponentRunner() {
            private final AtomicInteger inside = new AtomicInteger();

            @Override
            public TensorBundle run(final TensorBundle inputs) {
                inside.incrementAndGet();
                maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                try {
                    beforeRun.beforeRun(component, runs.computeIfAbsent(component, key -> new AtomicInteger())
                            .incrementAndGet());
                    return runner.run(inputs);
                } finally {
                    active.decrementAndGet();
                    inside.decrementAndGet();
                }
            }

            @Override
            public void close() {
                if (inside.get() > 0) {
                    closedWhileRunning.add(component);
                    return;
                }
                closes.computeIfAbsent(component, key -> new AtomicInteger()).incrementAndGet();
                runner.close();
            }
        };
    }

    @Override
    public boolean handles(final String backendName) {
        return delegate.handles(backendName);
    }

    @Override
    public String unavailableReason(final BackendOptions options) {
        return delegate.unavailableReason(options);
    }

    @Override
    public ComponentRunner transformer(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return watched(TRANSFORMER, () -> delegate.transformer(checkpoint, options));
    }

    @Override
    public ComponentRunner vaeDecoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return watched(VAE_DECODER, () -> delegate.vaeDecoder(checkpoint, options));
    }

    @Override
    public ComponentRunner vaeEncoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return watched(VAE_ENCODER, () -> delegate.vaeEncoder(checkpoint, options));
    }

    @Override
    public ComponentRunner textEncoder(final T5Config config, final WeightStore weights, final boolean useMask,
            final BackendOptions options) {
        return watched(TEXT_ENCODER, () -> delegate.textEncoder(config, weights, useMask, options));
    }

    @Override
    public ComponentRunner latentUpsampler(final LatentUpsamplerModel model, final BackendOptions options) {
        return watched(UPSAMPLER, () -> delegate.latentUpsampler(model, options));
    }
}
