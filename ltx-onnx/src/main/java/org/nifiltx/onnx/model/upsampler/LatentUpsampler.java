package org.nifiltx.onnx.model.upsampler;

import java.util.Map;
import java.util.Random;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.ConvCalibration;
import org.nifiltx.onnx.runtime.SessionConfig;
import org.nifiltx.onnx.layers.Activations;

/**
 * The LTX latent upsampler (diffusers {@code LTXLatentUpsamplerModel}, original {@code LatentUpsampler}, dims 3) as one
 * graph: {@code latents_raw} [B, C, F, h, w] (un-normalised) → {@code upsampled_raw} [B, C, F, 2h, 2w] (spatial),
 * [B, C, 2F − 1, h, w] (temporal) or [B, C, 2F − 1, 2h, 2w] (spatio-temporal).
 */
public final class LatentUpsampler {
    public static final String INPUT = "latents_raw";
    public static final String OUTPUT = "upsampled_raw";
    private static final long CALIBRATION_SEED = 20_260_501L;

    private LatentUpsampler() {
    }

    public static GraphBuilder build(final LatentUpsamplerModel model, final Target target) {
        return build(model, target, NumericPolicy.fp32());
    }

    /** The graph computing as {@code policy} says (int8: the large convolutions; see {@link org.nifiltx.onnx.layers.Conv#apply}). */
    public static GraphBuilder build(final LatentUpsamplerModel model, final Target target, final NumericPolicy policy) {
        return build(model, target, policy, SessionConfig.cpu());
    }

    /**
     * As {@link #build(LatentUpsamplerModel, Target, NumericPolicy)}; int8 conv output ranges missing from the
     * policy's store are calibrated first on seeded standard-normal latents [1, C, 2, 8, 8], run with {@code session}.
     */
    public static GraphBuilder build(final LatentUpsamplerModel model, final Target target, final NumericPolicy policy,
            final SessionConfig session) {
        return ConvCalibration.calibrated(() -> buildGraph(model, target, policy), () -> {
            final long[] shape = {1, model.inChannels(), 2, 8, 8};
            final Random random = new Random(CALIBRATION_SEED);
            final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            return TensorBundle.of(Map.of(INPUT, Tensor.ofFloats(shape, values)));
        }, session);
    }

    private static GraphBuilder buildGraph(final LatentUpsamplerModel model, final Target target,
            final NumericPolicy policy) {
        final int channels = model.inChannels();
        final int mid = model.midChannels();
        final WeightStore weights = model.weights();
        final GraphBuilder graph = new GraphBuilder("latent_upsampler", target, policy);
        final Value input = graph.input(INPUT, DType.F32, "B", channels, "F", "h", "w");
        Value hidden = Conv.sensitiveConv3d(graph, input, weights.scoped("initial_conv"), channels, mid);
        hidden = Activations.silu(graph, GroupNorm.apply(graph, hidden, weights.scoped("initial_norm"), mid));
        for (int i = 0; i < model.numBlocksPerStage(); i++) {
            hidden = ResBlock.apply(graph, hidden, weights.scoped("res_blocks." + i), mid);
        }
        hidden = model.temporalUpsample()
                ? PixelShuffleND.temporalUpsample(graph, hidden, weights.scoped("upsampler.0"), mid, model.spatialUpsample())
                : PixelShuffleND.spatialUpsample(graph, hidden, weights.scoped("upsampler.0"), mid);
        for (int i = 0; i < model.numBlocksPerStage(); i++) {
            hidden = ResBlock.apply(graph, hidden, weights.scoped("post_upsample_res_blocks." + i), mid);
        }
        final Value out = Conv.sensitiveConv3d(graph, hidden, weights.scoped("final_conv"), mid, channels);
        graph.output(out, OUTPUT, DType.F32, "B", channels, model.temporalUpsample() ? "F_out" : "F", "H", "W");
        return graph;
    }
}
