package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Conv;
import org.nifiltx.onnx.layers.ConvCalibration;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Whole VAE graphs with the fixed I/O contract: latent (un)normalisation with the per-channel statistics
 * ({@code z = z_norm·std_of_means + mean_of_means}) happens inside, so callers only see normalised latents.
 */
public final class VaeGraphs {
    /** Log-variance the original uses for {@code latent_log_var = constant} (its clamp minimum). */
    private static final float CONSTANT_LOG_VAR = -30f;
    /** Seed of the int8 calibration inputs (fixed: a calibration is repeatable and cached). */
    static final long CALIBRATION_SEED = 20_260_501L;
    static final long CALIBRATION_LATENT_SIZE = 8;
    static final float CALIBRATION_DECODE_TIMESTEP = 0.05f;

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
        return decoderGraph(config, vaeWeights, policy, SessionConfig.cpu());
    }

    /**
     * The decoder graph; in int8 its convolutions' output ranges come from the policy's weight store, and those it
     * lacks are calibrated first ({@link ConvCalibration}) by one fp32 decode of {@link #decoderCalibrationInputs} run
     * with {@code session}.
     */
    static DecoderGraph decoderGraph(final VaeConfig config, final WeightStore vaeWeights, final NumericPolicy policy,
            final SessionConfig session) {
        final List<DecoderGraph> built = new ArrayList<>();
        ConvCalibration.calibrated(() -> {
            built.add(buildDecoder(config, vaeWeights, policy));
            return built.get(built.size() - 1).graph();
        }, () -> decoderCalibrationInputs(config, built.get(0).noiseInputs()), session);
        return built.get(built.size() - 1);
    }

    /**
     * Calibration feeds of the decoder: seeded standard-normal normalised latents [1, C, 2, 8, 8] (what the
     * decoder's input is by construction), decode timestep 0.05 (the 0.9.5+ default) and standard-normal noise maps.
     */
    static TensorBundle decoderCalibrationInputs(final VaeConfig config, final List<Decoder.NoiseInput> noiseInputs) {
        final Random random = new Random(CALIBRATION_SEED);
        final long[] shape = {1, config.latentChannels(), 2, CALIBRATION_LATENT_SIZE, CALIBRATION_LATENT_SIZE};
        final Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("latents_normalized", gaussian(random, shape));
        feeds.put("decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {CALIBRATION_DECODE_TIMESTEP}));
        for (final Decoder.NoiseInput noise : noiseInputs) {
            final long side = CALIBRATION_LATENT_SIZE * noise.spatialScale();
            feeds.put(noise.name(), gaussian(random, new long[] {side, side}));
        }
        return TensorBundle.of(feeds);
    }

    private static Tensor gaussian(final Random random, final long[] shape) {
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(shape, values);
    }

    private static DecoderGraph buildDecoder(final VaeConfig config, final WeightStore vaeWeights,
            final NumericPolicy policy) {
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

    /** The encoder graph computing as {@code policy} says, except int8, which encodes in fp32 (see the 4-arg form). */
    public static GraphBuilder encoder(final VaeConfig config, final WeightStore vaeWeights, final NumericPolicy policy) {
        return encoder(config, vaeWeights, policy, SessionConfig.cpu());
    }

    /** As {@link #encoder(VaeConfig, WeightStore, NumericPolicy)}; an int8 calibration runs with {@code session}. */
    public static GraphBuilder encoder(final VaeConfig config, final WeightStore vaeWeights, final NumericPolicy policy,
            final SessionConfig session) {
        // int8 encoders miss the quality gate (tiny fixture, every bulk conv int8: latent_mean cosine 0.99896 < 0.999
        // vs fp32), so an int8 policy encodes in fp32; the calibration path stays for when a scheme passes.
        final NumericPolicy effective = policy.int8() ? NumericPolicy.fp32() : policy;
        return ConvCalibration.calibrated(() -> buildEncoder(config, vaeWeights, effective),
                () -> encoderCalibrationInputs(config), session);
    }

    /**
     * Calibration feeds of the encoder: a seeded synthetic video [1, 3, 9, 256, 256] in [−1, 1], smooth moving
     * gradients plus a little noise (natural video is mostly smooth; pure noise would overstate every range).
     */
    static TensorBundle encoderCalibrationInputs(final VaeConfig config) {
        final Random random = new Random(CALIBRATION_SEED);
        final int channels = config.inChannels();
        final int frames = config.temporalCompression() + 1;
        final int side = (int) (CALIBRATION_LATENT_SIZE * config.spatialCompression());
        final float[] values = new float[channels * frames * side * side];
        int i = 0;
        for (int c = 0; c < channels; c++) {
            final double fx = 2 + 6 * random.nextDouble();
            final double fy = 2 + 6 * random.nextDouble();
            final double phase = 2 * Math.PI * random.nextDouble();
            for (int f = 0; f < frames; f++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        final double wave = Math.sin(2 * Math.PI * (fx * x / side + fy * y / side) + phase + 0.3 * f);
                        values[i++] = (float) Math.max(-1, Math.min(1, 0.8 * wave + 0.1 * random.nextGaussian()));
                    }
                }
            }
        }
        return TensorBundle.of(Map.of("video", Tensor.ofFloats(new long[] {1, channels, frames, side, side}, values)));
    }

    private static GraphBuilder buildEncoder(final VaeConfig config, final WeightStore vaeWeights,
            final NumericPolicy policy) {
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
