package org.nifiltx.onnx.model.upsampler;

import java.util.Map;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/** Runs the latent upsampler graph: {@code latents_raw} [B, C, F, h, w] → {@code upsampled_raw} [B, C, F, 2h, 2w]. */
public final class LatentUpsamplerRunner implements ComponentRunner {
    private final ComponentContract contract;
    private final OnnxSession session;

    private LatentUpsamplerRunner(final ComponentContract contract, final OnnxSession session) {
        this.contract = contract;
        this.session = session;
    }

    public static LatentUpsamplerRunner open(final LatentUpsamplerModel model, final SessionConfig config) {
        return open(model, config, NumericPolicy.fp32());
    }

    /** A runner computing as {@code policy} says. */
    public static LatentUpsamplerRunner open(final LatentUpsamplerModel model, final SessionConfig config,
            final NumericPolicy policy) {
        return new LatentUpsamplerRunner(ComponentContract.upsample(model),
                OnnxSession.create(LatentUpsampler.build(model, Target.ONNX_RUNTIME, policy, config), config));
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        contract.validate(inputs);
        // the graph computes in float32; bf16/fp16 latents are widened here
        final Tensor latents = inputs.get(LatentUpsampler.INPUT).toF32();
        return session.run(TensorBundle.of(Map.of(LatentUpsampler.INPUT, latents)));
    }

    @Override
    public void close() {
        session.close();
    }
}
