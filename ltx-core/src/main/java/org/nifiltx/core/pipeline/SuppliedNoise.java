package org.nifiltx.core.pipeline;

import java.util.Arrays;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Noise read from a file ({@code --noise}): each draw must be present with exactly the shape the generation needs.
 * Draws the file lacks come from {@code fallback} when one is given (e.g. the decode noise of a run whose decode noise
 * scale is 0).
 */
public final class SuppliedNoise implements NoiseSource {
    private final TensorBundle tensors;
    private final NoiseSource fallback;

    public SuppliedNoise(final TensorBundle tensors, final NoiseSource fallback) {
        this.tensors = tensors;
        this.fallback = fallback;
    }

    @Override
    public Tensor draw(final String name, final long[] shape) {
        final Tensor tensor = tensors.find(name).orElse(null);
        if (tensor == null) {
            if (fallback != null) {
                return fallback.draw(name, shape);
            }
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "noise file lacks '" + name + "' of shape " + Arrays.toString(shape));
        }
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "noise '" + name + "' has shape " + Arrays.toString(tensor.shape())
                    + ", this generation needs " + Arrays.toString(shape));
        }
        tensor.requireFinite(name);
        return tensor.toF32();
    }
}
