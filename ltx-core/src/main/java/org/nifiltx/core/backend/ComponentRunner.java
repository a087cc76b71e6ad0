package org.nifiltx.core.backend;

import org.nifiltx.core.tensor.TensorBundle;

/**
 * A loaded model component: named tensors in, named tensors out (names as in {@link ComponentContract}). Owns native
 * resources; {@link #close()} frees them and does not throw.
 */
public interface ComponentRunner extends AutoCloseable {
    TensorBundle run(TensorBundle inputs);

    @Override
    void close();
}
