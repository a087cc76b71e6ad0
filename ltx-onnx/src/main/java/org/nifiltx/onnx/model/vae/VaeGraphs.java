package org.nifiltx.onnx.model.vae;

import java.util.List;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Conv;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;

/**
 * Whole VAE graphs with the fixed I/O contract: latent (un)normalisation with the per-channel statistics
 * ({@code z = z_norm·std_of_means + mean_of_means}) happens inside, so callers only see normalised latents.
 */
public final class VaeGraphs {
    /** Log-variance the original uses for {@code latent_log_var = constant} (its clamp minimum). */
    private static final float CONSTANT_LOG_VAR = -30f;

    private VaeGraphs() {
    }

    /**
     * Inputs {@code latents_normalized} [B, C, F, h, w] and (with timestep conditioning) {@code decode_timestep} [B];
     * outputs {@code video} [B, 3, F_px, H, W] and {@code frames_uint8} [F_px, H, W, 3] of batch item 0 (rounded).
     */
    public static GraphBuilder decoder(final VaeConfig config, final WeightStore vaeWeights) {
        return decoder(config, vaeWeights, NumericPolicy.fp32());
    }

    /** The decoder graph computing as {@code policy} says (int8: the large convolutions; see {@link Conv}). */
    public static GraphBuilder decoder(final VaeConfig config, final WeightStore vaeWeights, final NumericPolicy policy) {
        return decoderGraph(config, vaeWeights, policy).graph();
    }

    /** A decoder graph and the noise map inputs it declares (0.9.1 noise injection; usually none). */
    record DecoderGraph(GraphBuilder graph, List<Decoder.NoiseInput> noiseInputs) {
    }

    static DecoderGraph decoderGraph(final VaeConfig config, final WeightStore vaeWeights) {
        return decoderGraph(config, vaeWeights, NumericPolicy.fp32());
    }

    static DecoderGraph decoderGraph(final VaeConfig config, final WeightStore vaeWeights, final NumericPolicy policy) {
        final GraphBuilder graph = new GraphBuilder("ltx_vae_decoder", Target.ONNX_RUNTIME, policy);
        final long channels = config.latentChannels();
        final Value normalized = graph.input("latents_normalized", DType.F32, "B", channels, "F", "h", "w");
        final Value timestep = config.timestepConditioning() ? graph.input("decode_timestep", DType.F32, "B") : null;
        final Value raw = graph.add(graph.mul(normalized, statistic(graph, vaeWeights, "std-of-means", channels)),
                statistic(graph, vaeWeights, "mean-of-means", channels));
        final Decoder decoder = new Decoder(graph, config, vaeWeights.scoped("decoder"));
        final Value video = decoder.apply(raw, timestep);
        graph.output(video, "video", DType.F32, "B", config.outChannels(), "F_px", "H", "W");
        graph.output(framesUint8(graph, video), "frames_uint8", DType.U8, "F_px", "H", "W", config.outChannels());
        return new DecoderGraph(graph, decoder.noiseInputs());
    }

    /**
     * Input {@code video} [B, 3, F, H, W] in [−1, 1]; outputs {@code latent_mean} (posterior mode), {@code latent_logvar}
     * (as conv_out gives it: one shared channel for {@code uniform}) and {@code latents_normalized}.
     */
    public static GraphBuilder encoder(final VaeConfig config, final WeightStore vaeWeights) {
        return encoder(config, vaeWeights, NumericPolicy.fp32());
    }

    /** The encoder graph computing as {@code policy} says (int8: the large convolutions; see {@link Conv}). */
    public static GraphBuilder encoder(final VaeConfig config, final WeightStore vaeWeights, final NumericPolicy policy) {
        final GraphBuilder graph = new GraphBuilder("ltx_vae_encoder", Target.ONNX_RUNTIME, policy);
        final long channels = config.latentChannels();
        final Value video = graph.input("video", DType.F32, "B", config.inChannels(), "F", "H", "W");
        final Value moments = new Encoder(graph, config, vaeWeights.scoped("encoder")).apply(video);
        final Value mean = graph.slice(moments, 1, 0, channels);
        final Value logVar = switch (config.latentLogVar()) {
            case "per_channel" -> graph.slice(moments, 1, channels, 2 * channels);
            case "uniform" -> graph.slice(moments, 1, channels, channels + 1);
            default -> graph.add(graph.mul(mean, graph.scalar(0f)), graph.scalar(CONSTANT_LOG_VAR));
        };
        final Value normalized = graph.div(graph.sub(mean, statistic(graph, vaeWeights, "mean-of-means", channels)),
                statistic(graph, vaeWeights, "std-of-means", channels));
        graph.output(mean, "latent_mean", DType.F32, "B", channels, "F_latent", "h", "w");
        graph.output(logVar, "latent_logvar", DType.F32);
        graph.output(normalized, "latents_normalized", DType.F32, "B", channels, "F_latent", "h", "w");
        return graph;
    }

    /** A per-channel statistic [C] shaped [C, 1, 1, 1] to broadcast over [B, C, F, h, w]. */
    private static Value statistic(final GraphBuilder graph, final WeightStore vaeWeights, final String name,
            final long channels) {
        final String key = "per_channel_statistics." + name;
        return graph.weight(vaeWeights.prefix() + key, vaeWeights.get(key, channels).reshape(channels, 1, 1, 1));
    }

    /** round(clamp(video/2 + 0.5, 0, 1)·255) of batch item 0 as [F, H, W, 3] uint8 (round half to even, as numpy). */
    private static Value framesUint8(final GraphBuilder graph, final Value video) {
        final Value first = graph.transpose(VaeOps.pick(graph, video, 0, 0), 1, 2, 3, 0);
        final Value shifted = graph.add(graph.mul(first, graph.scalar(0.5f)), graph.scalar(0.5f));
        final Value unit = graph.op("Clip", shifted, graph.scalar(0f), graph.scalar(1f));
        final Value rounded = graph.op("Round", graph.mul(unit, graph.scalar(255f)));
        return graph.op("Cast", List.of(rounded), Attr.i("to", TensorProto.DataType.UINT8_VALUE));
    }
}
