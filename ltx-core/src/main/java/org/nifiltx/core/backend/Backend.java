package org.nifiltx.core.backend;

import java.util.List;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightReads;
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

    /**
     * The weights the graph of {@code component} (transformer, vae-decode or vae-encode) reads from the checkpoint,
     * with the shapes its config implies: the graph is built, without a session, on a
     * {@link WeightStore#recording recording} store. Empty where this backend does not build graphs from the
     * checkpoint; nothing is checked before loading then.
     */
    default List<WeightReads.Read> requiredWeights(final Component component, final LtxCheckpoint checkpoint) {
        return List.of();
    }

    /** The same for the T5 text encoder's graph on {@code weights}. */
    default List<WeightReads.Read> requiredTextEncoderWeights(final T5Config config, final WeightStore weights) {
        return List.of();
    }

    private static LtxException unsupported(final Component component, final BackendOptions options) {
        return new LtxException(LtxErrorCode.UNSUPPORTED, "backend '" + options.backend() + "' cannot run the "
                + component.cliName() + " component yet");
    }
}
