package org.nifiltx.core.backend;

import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * A loaded model component: named tensors in, named tensors out (names as in {@link ComponentContract}). Owns native
 * resources; {@link #close()} frees them and does not throw.
 */
public interface ComponentRunner extends AutoCloseable {
    TensorBundle run(TensorBundle inputs);

    /**
     * Only the output named {@code output}. A runner whose outputs are large (a decoded video and its uint8 frames)
     * overrides this so that the others are never made.
     */
    default Tensor run(final TensorBundle inputs, final String output) {
        return run(inputs).get(output);
    }

    @Override
    void close();
}
