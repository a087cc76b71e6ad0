package org.nifiltx.onnx.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.TransformerTopology;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.safetensors.ShardedSafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.tensor.TensorStats;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.model.t5.T5EncoderRunner;
import org.nifiltx.onnx.model.transformer.Transformer3D;
import org.nifiltx.onnx.model.transformer.TransformerRunner;
import org.nifiltx.onnx.model.vae.DecodeTiling;
import org.nifiltx.onnx.model.vae.VaeDecoderRunner;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * bf16 storage ({@code --precision bf16} on CPU): block linears, convolutions and the T5 embedding table are held as
 * bf16 and widened to float32 per layer at run time. The error is bf16 rounding of the weights only, so the gates are
 * tighter than int8's: cosine ≥ 0.999 as for every reduced precision, and the max relative error bounds are the
 * measured values with headroom. Measured (cosine / max relative error): fixture transformer 0.9999991 / 1.4e-3, 2B
 * width 1.0000000 / 8.3e-5, 13B width 1.0000000 / 5.7e-5, fixture T5 0.9999875 / 1.1e-2, T5-XXL width 0.9999981 / 3.8e-3, fixture VAE decode
 * 0.9999902 / 6.1e-3.
 */
class Bf16QualityGateTest {
    private static final SessionConfig NARROW = SessionConfig.cpu().withNarrowWeights(true);

    @TempDir
    Path dir;

    private static void gate(final String what, final Tensor fp32, final Tensor reduced, final double maxRelative) {
        QualityGate.check("bf16", what, fp32, reduced, maxRelative);
    }

    private static Tensor transformer(final TransformerConfig config, final WeightStore weights, final TensorBundle in,
            final NumericPolicy policy, final SessionConfig session) {
        try (TransformerRunner runner = TransformerRunner.create(config, weights, Target.ONNX_RUNTIME, session, policy)) {
            return runner.run(in).get("out");
        }
    }

    private static Tensor t5(final T5Config config, final WeightStore weights, final TensorBundle in, final NumericPolicy policy,
            final SessionConfig session) {
        try (T5EncoderRunner runner = T5EncoderRunner.open(config, weights, true, session, policy)) {
            return runner.run(in).get("last_hidden_state");
        }
    }

    private static TensorBundle fixtureTransformerInputs() {
        final TensorBundle in = SafeTensors.read(TinyFixtures.path("cases/transformer_forward/inputs.safetensors"));
        return TensorBundle.of(Map.of("hidden_states", in.get("hidden_states"),
                "encoder_hidden_states", in.get("encoder_hidden_states"),
                "encoder_attention_mask", in.get("encoder_attention_mask"), "timestep", in.get("timestep"),
                "video_coords", in.get("video_coords_grid")));
    }

    private static void transformerGate(final String what, final TransformerConfig config, final WeightStore weights,
            final TensorBundle in, final double maxRelative) {
        gate(what, transformer(config, weights, in, NumericPolicy.fp32(), SessionConfig.cpu()),
                transformer(config, weights, in, NumericPolicy.of(Precision.BF16), NARROW), maxRelative);
    }

    @Test
    void fixtureTransformer() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors"));
        transformerGate("fixture transformer", checkpoint.transformerConfig(), checkpoint.transformerWeights(),
                fixtureTransformerInputs(), 5e-3);
    }

    @ParameterizedTest
    @EnumSource(TransformerTopology.class)
    void realWidthTransformer(final TransformerTopology topology) {
        final TransformerConfig config = topology.config(1);
        transformerGate(topology + "-width transformer", config, RealWidthModels.transformerWeights(config, 11),
                RealWidthModels.transformerInputs(config, 2, 4, 6, 32, 0.6f, 12), 1e-3);
    }

    @Test
    void fixtureT5() {
        final Path folder = TinyFixtures.path("model/diffusers/text_encoder");
        final T5Config config = T5Config.fromJson(Json.read(folder.resolve("config.json")), "tiny text_encoder");
        final WeightStore weights = new WeightStore("text encoder", ShardedSafeTensors.readFolder(folder).tensors());
        final TensorBundle in = SafeTensors.read(TinyFixtures.path("cases/t5_tokenize_encode/inputs.safetensors"));
        gate("fixture T5", t5(config, weights, in, NumericPolicy.fp32(), SessionConfig.cpu()),
                t5(config, weights, in, NumericPolicy.of(Precision.BF16), NARROW), 3e-2);
    }

    @Test
    void xxlWidthT5() {
        final T5Config config = RealWidthModels.t5Xxl(1);
        final WeightStore weights = RealWidthModels.t5Weights(config, 21);
        final TensorBundle in = RealWidthModels.t5Inputs(config, 64, 22);
        gate("T5-XXL-width encoder", t5(config, weights, in, NumericPolicy.fp32(), SessionConfig.cpu()),
                t5(config, weights, in, NumericPolicy.of(Precision.BF16), NARROW), 1e-2);
    }

    @Test
    void fixtureVaeDecode() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors"));
        final TensorBundle inputs = SafeTensors.read(TinyFixtures.path("cases/vae_decode/inputs.safetensors"));
        final TensorBundle feeds = TensorBundle.of(Map.of("latents_normalized", inputs.get("latents_normalized"),
                "decode_timestep", inputs.get("decode_timestep")));
        final Function<NumericPolicy, TensorBundle> decode = policy -> {
            try (VaeDecoderRunner runner = VaeDecoderRunner.open(checkpoint,
                    policy.bf16() ? NARROW : SessionConfig.cpu(), DecodeTiling.NONE, policy)) {
                return runner.run(feeds);
            }
        };
        final TensorBundle fp32 = decode.apply(NumericPolicy.fp32());
        final TensorBundle bf16 = decode.apply(NumericPolicy.of(Precision.BF16));
        gate("fixture VAE decode", fp32.get("video"), bf16.get("video"), 1e-2);
        final double psnr = TensorStats.psnr(bf16.get("frames_uint8"), fp32.get("frames_uint8"), 255.0);
        assertTrue(psnr >= 35, "frames PSNR " + psnr + " dB");
    }

    /**
     * The point of the mode: after ONNX Runtime's optimizations the block weights are still bf16 initializers (with
     * constant folding on, as in fp32 sessions, each Cast would have become a float32 copy: the control).
     */
    @Test
    void bulkWeightsStayBf16InTheOptimizedGraph() throws Exception {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors"));
        final Path narrow = dir.resolve("narrow.onnx");
        final Path folded = dir.resolve("folded.onnx");
        OnnxSession.writeOptimized(Transformer3D.build(checkpoint.transformerConfig(), checkpoint.transformerWeights(),
                Target.ONNX_RUNTIME, NumericPolicy.of(Precision.BF16)), NARROW, narrow);
        OnnxSession.writeOptimized(Transformer3D.build(checkpoint.transformerConfig(), checkpoint.transformerWeights(),
                Target.ONNX_RUNTIME, NumericPolicy.of(Precision.BF16)), SessionConfig.cpu(), folded);
        // per block: q, k, v, out of self- and cross-attention and the two feed-forward linears
        assertEquals(10L * checkpoint.transformerConfig().numLayers(), bf16Initializers(narrow));
        assertEquals(0, bf16Initializers(folded), "constant folding widens every Cast(weight) when it is on");
    }

    private static long bf16Initializers(final Path model) throws Exception {
        return ModelProto.parseFrom(Files.readAllBytes(model)).getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == TensorProto.DataType.BFLOAT16_VALUE)
                .filter(t -> t.getName().endsWith(QuantizedWeights.BF16_SUFFIX)).count();
    }
}
