package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * VAE decode: {@code latents_normalized} [B, C, F, h, w] and {@code decode_timestep} [B] (timestep-conditioned
 * decoders) → {@code video} [B, 3, 8(F−1)+1, 32h, 32w] and {@code frames_uint8} [F_px, H, W, 3] of batch item 0.
 */
public final class VaeDecoderRunner implements ComponentRunner {
    private final ComponentContract contract;
    private final OnnxSession session;

    private VaeDecoderRunner(final ComponentContract contract, final OnnxSession session) {
        this.contract = contract;
        this.session = session;
    }

    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config) {
        final VaeConfig vae = checkpoint.vaeConfig();
        final OnnxSession session = OnnxSession.create(VaeGraphs.decoder(vae, checkpoint.vaeWeights()), config);
        return new VaeDecoderRunner(ComponentContract.vaeDecode(vae), session);
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        contract.validate(inputs);
        return session.run(VaeInputs.asFloat32(inputs, "latents_normalized", "decode_timestep"));
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
