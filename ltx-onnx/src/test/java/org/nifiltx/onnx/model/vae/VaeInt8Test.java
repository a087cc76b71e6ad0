package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.layers.Conv;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * int8 VAE decode (DynamicQuantizeLinear → QLinearConv with calibrated output ranges) on the tiny fixture decoder. Its
 * convs are far below {@link Conv#INT8_MIN_MACS}, so the threshold is lowered to 0 to quantize every bulk conv
 * (conv_in and conv_out stay fp32). Bounds are the measured values with a small margin.
 */
class VaeInt8Test {
    private static final String CASE = "cases/vae_decode/";
    /** Measured: cosine 0.999374, max relative error 5.30e-2, frames PSNR 40.90 dB (fp32 decode as reference). */
    private static final double MIN_COSINE = 0.999;
    private static final double MAX_RELATIVE_ERROR = 0.07;
    private static final double MIN_FRAMES_PSNR_DB = 35;

    private static TensorBundle feeds() {
        final TensorBundle inputs = VaeFixtures.read(CASE + "inputs.safetensors");
        return TensorBundle.of(Map.of("latents_normalized", inputs.get("latents_normalized"),
                "decode_timestep", inputs.get("decode_timestep")));
    }

    private static TensorBundle decode(final LtxCheckpoint checkpoint, final NumericPolicy policy) {
        return Conv.withInt8MinMacs(0, () -> {
            try (VaeDecoderRunner runner = VaeDecoderRunner.open(checkpoint, SessionConfig.cpu(), DecodeTiling.NONE,
                    policy)) {
                return runner.run(feeds());
            }
        });
    }

    @Test
    void int8DecodeStaysCloseToFp32() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        final TensorBundle fp32 = decode(checkpoint, NumericPolicy.fp32());
        final TensorBundle int8 = decode(checkpoint, NumericPolicy.of(Precision.INT8));
        final double cosine = cosine(int8.get("video"), fp32.get("video"));
        final double relative = VaeFixtures.relativeError(int8.get("video"), fp32.get("video"));
        final double psnr = psnr(int8.get("frames_uint8"), fp32.get("frames_uint8"));
        System.out.printf("vae int8 (tiny fixture): cosine %.6f, max rel err %.3e, frames PSNR %.2f dB%n", cosine,
                relative, psnr);
        assertTrue(cosine >= MIN_COSINE, "cosine " + cosine);
        assertTrue(relative <= MAX_RELATIVE_ERROR, "max relative error " + relative);
        assertTrue(psnr >= MIN_FRAMES_PSNR_DB, "frames PSNR " + psnr + " dB");
    }

    @Test
    void quantizedWeightsAndCalibratedRangesAreRecordedForTheCache() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        final NumericPolicy policy = NumericPolicy.of(Precision.INT8);
        final GraphBuilder graph = Conv.withInt8MinMacs(0,
                () -> VaeGraphs.decoder(checkpoint.vaeConfig(), checkpoint.vaeWeights(), policy));
        assertTrue(Conv.calibrationTaps(graph).isEmpty(), "the returned graph is calibrated");
        final Map<String, Tensor> computed = policy.weights().computed();
        final String conv = "decoder.up_blocks.0.res_blocks.0.conv1.conv.weight";
        assertTrue(computed.containsKey(conv + QuantizedWeights.INT8_SUFFIX), computed.keySet().toString());
        assertTrue(computed.containsKey(conv + QuantizedWeights.SCALE_SUFFIX));
        final Tensor range = computed.get(conv + Conv.YSCALE_SUFFIX);
        assertEquals(3, range.numel());
        final float[] values = range.toFloatArray();
        assertTrue(values[0] > 0 && values[2] > 0 && values[1] >= 0 && values[1] <= 255, List.of(values).toString());
        // conv_in / conv_out stay fp32: nothing recorded for them
        assertFalse(computed.containsKey("decoder.conv_in.conv.weight" + Conv.YSCALE_SUFFIX));
        assertFalse(computed.containsKey("decoder.conv_out.conv.weight" + Conv.YSCALE_SUFFIX));
        final long ranges = computed.keySet().stream().filter(k -> k.endsWith(Conv.YSCALE_SUFFIX)).count();
        final long int8 = computed.keySet().stream().filter(k -> k.endsWith(QuantizedWeights.INT8_SUFFIX)).count();
        assertEquals(int8, ranges, "one calibrated range per int8 conv");

        // a store preloaded with what was recorded builds the int8 graph without calibrating again
        final NumericPolicy cached = new NumericPolicy(Precision.INT8, QuantizedWeights.preloaded(computed));
        final GraphBuilder again = Conv.withInt8MinMacs(0,
                () -> VaeGraphs.decoder(checkpoint.vaeConfig(), checkpoint.vaeWeights(), cached));
        assertTrue(Conv.calibrationTaps(again).isEmpty());
        assertTrue(cached.weights().computed().isEmpty(), "nothing recomputed: " + cached.weights().computed().keySet());
    }

    @Test
    void int8PolicyEncodesInFp32() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        final TensorBundle feeds = TensorBundle.of(Map.of("video",
                VaeFixtures.read("cases/vae_encode/inputs.safetensors").get("video")));
        final Tensor fp32;
        try (VaeEncoderRunner runner = VaeEncoderRunner.open(checkpoint, SessionConfig.cpu())) {
            fp32 = runner.run(feeds).get("latent_mean");
        }
        // with every conv quantized the int8 encoder measured latent_mean cosine 0.998958 (< 0.999): it stays fp32
        final NumericPolicy policy = NumericPolicy.of(Precision.INT8);
        final Tensor int8 = Conv.withInt8MinMacs(0, () -> {
            try (VaeEncoderRunner runner = VaeEncoderRunner.open(checkpoint, SessionConfig.cpu(), policy)) {
                return runner.run(feeds).get("latent_mean");
            }
        });
        assertEquals(0.0, VaeFixtures.relativeError(int8, fp32));
        assertTrue(policy.weights().computed().isEmpty(), policy.weights().computed().keySet().toString());
    }

    @Test
    void defaultThresholdKeepsTheTinyDecoderInFp32() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        final NumericPolicy policy = NumericPolicy.of(Precision.INT8);
        VaeGraphs.decoder(checkpoint.vaeConfig(), checkpoint.vaeWeights(), policy);
        assertTrue(policy.weights().computed().isEmpty(), policy.weights().computed().keySet().toString());
    }

    private static double cosine(final Tensor a, final Tensor b) {
        final float[] x = a.toFloatArray();
        final float[] y = b.toFloatArray();
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < x.length; i++) {
            dot += (double) x[i] * y[i];
            nx += (double) x[i] * x[i];
            ny += (double) y[i] * y[i];
        }
        return dot / Math.sqrt(nx * ny);
    }

    /** PSNR of uint8 frames against reference frames, peak 255. */
    private static double psnr(final Tensor frames, final Tensor reference) {
        final byte[] a = bytes(frames);
        final byte[] b = bytes(reference);
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            final int d = (a[i] & 0xff) - (b[i] & 0xff);
            se += d * d;
        }
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (se / a.length));
    }

    private static byte[] bytes(final Tensor t) {
        final java.nio.ByteBuffer data = t.data().duplicate();
        final byte[] out = new byte[data.remaining()];
        data.get(out);
        return out;
    }
}
