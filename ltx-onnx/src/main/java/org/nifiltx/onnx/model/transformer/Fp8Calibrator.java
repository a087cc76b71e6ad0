package org.nifiltx.onnx.model.transformer;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Fp8Calibration;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * The fp8 calibration pass: the fp32 transformer run on a few inputs with each block linear's max |input| as an extra
 * output ({@link NumericPolicy#calibrationProbe()}), the ranges taken as the max over the inputs. Deterministic: the
 * same weights and inputs give the same ranges.
 */
public final class Fp8Calibrator {
    private Fp8Calibrator() {
    }

    /** Ranges over {@code inputs} (transformer contract inputs, any batch). */
    public static Fp8Calibration calibrate(final TransformerConfig config, final WeightStore weights,
            final List<TensorBundle> inputs, final SessionConfig session) {
        final List<TensorBundle> ranges = new ArrayList<>();
        try (TransformerRunner probe = TransformerRunner.create(config, weights, Target.ONNX_RUNTIME, session,
                NumericPolicy.calibrationProbe())) {
            for (final TensorBundle in : inputs) {
                ranges.add(probe.run(in));
            }
        }
        return Fp8Calibration.fromProbeOutputs(ranges);
    }
}
