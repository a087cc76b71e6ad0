package org.nifiltx.onnx.model.transformer;

import java.util.List;
import java.util.function.Consumer;
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
 * be stored, and the Q/DQ graph is built and run. Later opens of the same checkpoint load the stored ranges.
 */
public final class Fp8TransformerRunner implements ComponentRunner {
    private final TransformerConfig config;
    private final WeightStore weights;
    private final SessionConfig session;
    private final QuantizedWeights store;
    private final Consumer<Fp8Calibration> onCalibrated;
    private final Runnable onBuilt;
    private TransformerRunner runner;
    private boolean closed;

    private Fp8TransformerRunner(final TransformerConfig config, final WeightStore weights, final SessionConfig session,
            final QuantizedWeights store, final Consumer<Fp8Calibration> onCalibrated, final Runnable onBuilt) {
        this.config = config;
        this.weights = weights;
        this.session = session;
        this.store = store;
        this.onCalibrated = onCalibrated;
        this.onBuilt = onBuilt;
    }

    /**
     * @param calibration  stored ranges, or null to calibrate on the first call
     * @param store        fp8 weights (preloaded from the weight cache, or computed at build)
     * @param onCalibrated receives ranges computed here (to store them)
     * @param onBuilt      runs once the Q/DQ graph is built (to write the weight cache)
     */
    public static Fp8TransformerRunner open(final TransformerConfig config, final WeightStore weights,
            final SessionConfig session, final Fp8Calibration calibration, final QuantizedWeights store,
            final Consumer<Fp8Calibration> onCalibrated, final Runnable onBuilt) {
        final Fp8TransformerRunner runner = new Fp8TransformerRunner(config, weights, session, store, onCalibrated, onBuilt);
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
            final Fp8Calibration calibration = Fp8Calibrator.calibrate(config, weights, List.of(inputs), session);
            onCalibrated.accept(calibration);
            build(calibration);
        }
        return runner.run(inputs);
    }

    private void build(final Fp8Calibration calibration) {
        runner = TransformerRunner.create(config, weights, Target.ONNX_RUNTIME, session, NumericPolicy.fp8(calibration, store));
        onBuilt.run();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (runner != null) {
            runner.close();
        }
    }
}
