package org.nifiltx.onnx.layers;

import java.util.List;
import java.util.function.Supplier;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Calibration of the int8 convolutions of a graph ({@link Conv}): a build whose int8 convs lack a recorded output
 * range has them in fp32 with calibration taps; that graph is run once on calibration inputs, each conv's range is
 * recorded in the policy's weight store ({@code <key>.yscale}, cached with the quantized weights), and the graph is
 * built again, now in int8. A store that already holds every range (a cache) skips the run.
 */
public final class ConvCalibration {
    private ConvCalibration() {
    }

    /**
     * @param build   builds the graph (called once, or twice when a calibration run is needed)
     * @param inputs  calibration inputs for the graph (only made when needed)
     * @param session how to run the calibration graph
     */
    public static GraphBuilder calibrated(final Supplier<GraphBuilder> build, final Supplier<TensorBundle> inputs,
            final SessionConfig session) {
        final GraphBuilder first = build.get();
        final List<String> taps = Conv.calibrationTaps(first);
        if (taps.isEmpty()) {
            return first;
        }
        final QuantizedWeights store = first.policy().weights();
        try (OnnxSession calibration = OnnxSession.create(first, session)) {
            final TensorBundle out = calibration.run(inputs.get());
            for (final String key : taps) {
                final float[] stats = out.get(key + Conv.CALIBRATION_SUFFIX).toFloatArray();
                store.record(key + Conv.YSCALE_SUFFIX, Conv.outputRange(stats[0], stats[1], stats[2], stats[3]));
            }
        }
        final GraphBuilder calibrated = build.get();
        if (!Conv.calibrationTaps(calibrated).isEmpty()) {
            throw new LtxException(LtxErrorCode.BACKEND_FAILURE, "graph still has uncalibrated int8 convolutions after "
                    + "calibration: " + Conv.calibrationTaps(calibrated));
        }
        return calibrated;
    }
}
