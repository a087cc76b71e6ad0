package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Input preparation shared by the VAE runners: the graphs take float32, so f16/bf16/f64 inputs are converted. */
final class VaeInputs {
    private VaeInputs() {
    }

    static TensorBundle asFloat32(final TensorBundle inputs, final String... names) {
        TensorBundle out = inputs;
        for (final String name : names) {
            final Tensor t = inputs.find(name).orElse(null);
            if (t != null && t.dtype() != DType.F32) {
                out = out.with(name, t.toF32());
            }
        }
        return out;
    }
}
