package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * VAE encode: {@code video} [B, 3, F, H, W] in [−1, 1] with F = 8k+1 and H, W multiples of 32 →
 * {@code latent_mean}, {@code latent_logvar} and {@code latents_normalized} [B, C, k+1, H/32, W/32].
 */
public final class VaeEncoderRunner implements ComponentRunner {
    private final VaeConfig config;
    private final ComponentContract contract;
    private final OnnxSession session;

    private VaeEncoderRunner(final VaeConfig config, final OnnxSession session) {
        this.config = config;
        this.contract = ComponentContract.vaeEncode(config);
        this.session = session;
    }

    public static VaeEncoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config) {
        return open(checkpoint, config, NumericPolicy.fp32());
    }

    /** An encoder computing as {@code policy} says. */
    public static VaeEncoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config,
            final NumericPolicy policy) {
        final VaeConfig vae = checkpoint.vaeConfig();
        return new VaeEncoderRunner(vae,
                OnnxSession.create(VaeGraphs.encoder(vae, checkpoint.vaeWeights(), policy, config), config));
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        contract.validate(inputs);
        final Tensor video = inputs.get("video");
        final String name = contract.component().cliName();
        final long frames = video.dim(2);
        final long temporal = config.temporalCompression();
        if ((frames - 1) % temporal != 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, name + ": video has " + frames + " frames; frames must be "
                    + temporal + "N+1 (1, " + (temporal + 1) + ", " + (2 * temporal + 1) + ", ...)");
        }
        final long spatial = config.spatialCompression();
        requireMultiple(name, "height", video.dim(3), spatial);
        requireMultiple(name, "width", video.dim(4), spatial);
        return session.run(VaeInputs.asFloat32(inputs, "video"));
    }

    private static void requireMultiple(final String name, final String axis, final long size, final long factor) {
        if (size % factor != 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, name + ": video has " + axis + " " + size + "; " + axis
                    + " must be a multiple of " + factor + " (" + factor + ", " + 2 * factor + ", " + 3 * factor + ", ...)");
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (final RuntimeException e) {
            // close never throws: the session is gone either way
        }
    }
}
