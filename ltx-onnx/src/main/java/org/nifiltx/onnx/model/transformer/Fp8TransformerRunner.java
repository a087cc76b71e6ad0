package org.nifiltx.onnx.model.transformer;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Fp8Calibration;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * The fp8 transformer as the backend opens it. With a stored calibration the Q/DQ graph is built at once; without one
 * the first call's inputs (the generation's own text embeddings and latents, CFG batch included) are the calibration
 * set: the fp32 graph runs them once to record the activation ranges, the ranges are handed to {@code onCalibrated} to
 * be stored, and the Q/DQ graph is built and run. Later opens of the same checkpoint load the stored ranges. When that
 * first call fails, or the runner closes before one, {@code onAbandoned} runs (the weight cache file being written by
 * the store is deleted, not left half-written beside the good ones).
 */
public final class Fp8TransformerRunner implements ComponentRunner {
    private final TransformerConfig config;
    private final WeightStore weights;
    private final SessionConfig session;
    private final QuantizedWeights store;
    private final Consumer<Fp8Calibration> onCalibrated;
    private final Runnable onBuilt;
    private final Runnable onAbandoned;
    private final Function<NumericPolicy, TransformerRunner> builder;
    private TransformerRunner runner;
    private boolean closed;

    Fp8TransformerRunner(final TransformerConfig config, final WeightStore weights, final SessionConfig session,
            final QuantizedWeights store, final Consumer<Fp8Calibration> onCalibrated, final Runnable onBuilt,
            final Runnable onAbandoned, final Function<NumericPolicy, TransformerRunner> builder) {
        this.config = config;
        this.weights = weights;
        this.session = session;
        this.store = store;
        this.onCalibrated = onCalibrated;
        this.onBuilt = onBuilt;
        this.onAbandoned = onAbandoned;
        this.builder = builder;
    }

    /**
     * @param calibration  stored ranges, or null to calibrate on the first call
     * @param store        fp8 weights (preloaded from the weight cache, or computed at build)
     * @param onCalibrated receives ranges computed here (to store them)
     * @param onBuilt      runs once the Q/DQ graph is built (to write the weight cache)
     * @param onAbandoned  runs when the first call fails before the graph is built, or the runner closes unbuilt (to
     *                     discard what the store wrote)
     */
    public static Fp8TransformerRunner open(final TransformerConfig config, final WeightStore weights,
            final SessionConfig session, final Fp8Calibration calibration, final QuantizedWeights store,
            final Consumer<Fp8Calibration> onCalibrated, final Runnable onBuilt, final Runnable onAbandoned) {
        final Fp8TransformerRunner runner = new Fp8TransformerRunner(config, weights, session, store, onCalibrated, onBuilt,
                onAbandoned, policy -> TransformerRunner.create(config, weights, Target.ONNX_RUNTIME, session, policy));
        if (calibration != null) {
            runner.build(calibration);
        }
        return runner;
    }

    /** Whether the Q/DQ graph is built (a stored calibration was found, or the first call calibrated). */
    public synchronized boolean calibrated() {
        return runner != null;
    }

    @Override
    public synchronized TensorBundle run(final TensorBundle inputs) {
        if (closed) {
            throw new IllegalStateException("the fp8 transformer is closed");
        }
        if (runner == null) {
            try {
                final Fp8Calibration calibration = Fp8Calibrator.calibrate(config, weights, List.of(inputs), session);
                onCalibrated.accept(calibration);
                build(calibration);
            } catch (final RuntimeException | Error e) {
                onAbandoned.run();
                throw e;
            }
        }
        return runner.run(inputs);
    }

    private void build(final Fp8Calibration calibration) {
        runner = builder.apply(NumericPolicy.fp8(calibration, store));
        onBuilt.run();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (runner != null) {
            runner.close();
        } else {
            onAbandoned.run();
        }
    }
}
