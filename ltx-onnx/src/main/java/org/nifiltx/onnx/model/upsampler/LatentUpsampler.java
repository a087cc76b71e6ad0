package org.nifiltx.onnx.model.upsampler;

import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;

/**
 * The LTX spatial latent upsampler (diffusers {@code LTXLatentUpsamplerModel}, dims 3) as one graph:
 * {@code latents_raw} [B, C, F, h, w] (un-normalised) → {@code upsampled_raw} [B, C, F, 2h, 2w].
 */
public final class LatentUpsampler {
    public static final String INPUT = "latents_raw";
    public static final String OUTPUT = "upsampled_raw";

    private LatentUpsampler() {
    }

    public static GraphBuilder build(final LatentUpsamplerModel model, final Target target) {
        return build(model, target, NumericPolicy.fp32());
    }

    /** The graph computing as {@code policy} says (int8: the large convolutions; see {@link org.nifiltx.onnx.layers.Conv#apply}). */
    public static GraphBuilder build(final LatentUpsamplerModel model, final Target target, final NumericPolicy policy) {
        if (!model.spatialUpsample() || model.temporalUpsample()) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "latent upsampler with spatial_upsample="
                    + model.spatialUpsample() + ", temporal_upsample=" + model.temporalUpsample()
                    + " is not supported; only the spatial x2 upsampler (spatial true, temporal false) is");
        }
        final int channels = model.inChannels();
        final int mid = model.midChannels();
        final WeightStore weights = model.weights();
        final GraphBuilder graph = new GraphBuilder("latent_upsampler", target, policy);
        final Value input = graph.input(INPUT, DType.F32, "B", channels, "F", "h", "w");
        Value hidden = Conv.conv3d(graph, input, weights.scoped("initial_conv"), channels, mid);
        hidden = Activations.silu(graph, GroupNorm.apply(graph, hidden, weights.scoped("initial_norm"), mid));
        for (int i = 0; i < model.numBlocksPerStage(); i++) {
            hidden = ResBlock.apply(graph, hidden, weights.scoped("res_blocks." + i), mid);
        }
        hidden = PixelShuffleND.spatialUpsample(graph, hidden, weights.scoped("upsampler.0"), mid);
        for (int i = 0; i < model.numBlocksPerStage(); i++) {
            hidden = ResBlock.apply(graph, hidden, weights.scoped("post_upsample_res_blocks." + i), mid);
        }
        final Value out = Conv.conv3d(graph, hidden, weights.scoped("final_conv"), mid, channels);
        graph.output(out, OUTPUT, DType.F32, "B", channels, "F", "H", "W");
        return graph;
    }
}
