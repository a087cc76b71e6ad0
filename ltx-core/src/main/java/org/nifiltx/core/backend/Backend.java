package org.nifiltx.core.backend;

import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * A way of executing model components (ONNX Runtime on CPU or CUDA, TensorRT). Implementations are found with
 * {@link java.util.ServiceLoader}; core never imports one. Each method loads one component; a backend that lacks a
 * component says so with {@link LtxErrorCode#UNSUPPORTED}.
 */
public interface Backend {
    /** The names this backend answers to ({@code cpu}, {@code cuda}, {@code tensorrt}). */
    boolean handles(String backendName);

    /** Why this backend cannot run here, or null when it can. */
    String unavailableReason(BackendOptions options);

    default ComponentRunner transformer(final LtxCheckpoint checkpoint, final BackendOptions options) {
        throw unsupported(Component.TRANSFORMER, options);
    }

    default ComponentRunner vaeDecoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        throw unsupported(Component.VAE_DECODE, options);
    }

    default ComponentRunner vaeEncoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        throw unsupported(Component.VAE_ENCODE, options);
    }

    default ComponentRunner textEncoder(final T5Config config, final WeightStore weights, final boolean useMask,
            final BackendOptions options) {
        throw unsupported(Component.TEXT_ENCODER, options);
    }

    default ComponentRunner latentUpsampler(final LatentUpsamplerModel model, final BackendOptions options) {
        throw unsupported(Component.UPSAMPLE, options);
    }

    private static LtxException unsupported(final Component component, final BackendOptions options) {
        return new LtxException(LtxErrorCode.UNSUPPORTED, "backend '" + options.backend() + "' cannot run the "
                + component.cliName() + " component yet");
    }
}
