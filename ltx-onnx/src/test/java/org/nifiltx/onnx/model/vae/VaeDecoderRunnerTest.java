package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.FramesPostprocess;
import org.nifiltx.onnx.runtime.SessionConfig;

class VaeDecoderRunnerTest {
    private static final String CASE = "cases/vae_decode/";

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void decodeMatchesReference(final String model) {
        final TensorBundle inputs = VaeFixtures.read(CASE + "inputs.safetensors");
        final TensorBundle expected = VaeFixtures.read(CASE + "outputs.safetensors");
        final TensorBundle feeds = TensorBundle.of(Map.of("latents_normalized", inputs.get("latents_normalized"),
                "decode_timestep", inputs.get("decode_timestep")));
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource(model));
        try (VaeDecoderRunner runner = VaeDecoderRunner.open(checkpoint, SessionConfig.cpu())) {
            final TensorBundle out = runner.run(feeds);
            final double videoError = VaeFixtures.relativeError(out.get("video"), expected.get("video"));
            final double frames = VaeFixtures.fractionWithinOne(out.get("frames_uint8"), expected.get("frames_uint8_round"));
            final Tensor truncated = FramesPostprocess.toUint8(out.get("video"), FramesPostprocess.Rounding.TRUNCATE);
            final double framesTruncated = VaeFixtures.fractionWithinOne(truncated, expected.get("frames_uint8_trunc"));
            final Tensor rounded = FramesPostprocess.toUint8(out.get("video"), FramesPostprocess.Rounding.ROUND);
            final double framesRounded = VaeFixtures.fractionWithinOne(rounded, expected.get("frames_uint8_round"));
            System.out.printf("vae_decode %s: video rel err %.3e, frames_uint8 %.5f, round %.5f, trunc %.5f%n", model,
                    videoError, frames, framesRounded, framesTruncated);
            assertTrue(videoError <= VaeFixtures.RELATIVE_TOLERANCE, "video relative error " + videoError);
            assertTrue(frames >= VaeFixtures.UINT8_FRACTION, "frames_uint8 within ±1: " + frames);
            assertTrue(framesRounded >= VaeFixtures.UINT8_FRACTION, "rounded frames within ±1: " + framesRounded);
            assertTrue(framesTruncated >= VaeFixtures.UINT8_FRACTION, "truncated frames within ±1: " + framesTruncated);
        }
    }

    @Test
    void postprocessOnReferenceVideoIsExact() {
        final TensorBundle expected = VaeFixtures.read(CASE + "outputs.safetensors");
        final Tensor video = expected.get("video");
        final Tensor rounded = FramesPostprocess.toUint8(video, FramesPostprocess.Rounding.ROUND);
        final Tensor truncated = FramesPostprocess.toUint8(video, FramesPostprocess.Rounding.TRUNCATE);
        final double roundExact = exactFraction(rounded, expected.get("frames_uint8_round"));
        final double truncExact = exactFraction(truncated, expected.get("frames_uint8_trunc"));
        System.out.printf("postprocess on reference video: round exact %.5f, trunc exact %.5f%n", roundExact, truncExact);
        assertTrue(roundExact >= VaeFixtures.UINT8_FRACTION, "rounded exact fraction " + roundExact);
        assertTrue(truncExact >= VaeFixtures.UINT8_FRACTION, "truncated exact fraction " + truncExact);
    }

    private static double exactFraction(final Tensor actual, final Tensor expected) {
        assertEquals(Tensor.shapeString(expected.shape()), Tensor.shapeString(actual.shape()));
        final byte[] a = actual.toByteArray();
        final byte[] e = expected.toByteArray();
        long same = 0;
        for (int i = 0; i < e.length; i++) {
            if (a[i] == e[i]) {
                same++;
            }
        }
        return (double) same / e.length;
    }

    @Test
    void badInputsGiveExactMessages() {
        final TensorBundle inputs = VaeFixtures.read(CASE + "inputs.safetensors");
        final Tensor timestep = inputs.get("decode_timestep");
        try (VaeDecoderRunner runner = VaeDecoderRunner.open(
                LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors")), SessionConfig.cpu())) {
            final LtxException channels = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "latents_normalized", Tensor.ofFloats(new long[] {1, 15, 2, 2, 3}, new float[180]),
                    "decode_timestep", timestep))));
            assertEquals(LtxErrorCode.INVALID_TENSOR, channels.code());
            assertEquals("vae-decode: input 'latents_normalized' has shape [1, 15, 2, 2, 3], expected [B, 16, F, h, w]",
                    channels.getMessage());
            final LtxException rank = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "latents_normalized", Tensor.ofFloats(new long[] {16, 2, 2, 3}, new float[192]),
                    "decode_timestep", timestep))));
            assertEquals(LtxErrorCode.INVALID_TENSOR, rank.code());
            assertEquals("vae-decode: input 'latents_normalized' has shape [16, 2, 2, 3], expected [B, 16, F, h, w]",
                    rank.getMessage());
            final float[] values = inputs.get("latents_normalized").toFloatArray();
            values[5] = Float.NaN;
            final LtxException nan = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "latents_normalized", Tensor.ofFloats(new long[] {1, 16, 2, 2, 3}, values),
                    "decode_timestep", timestep))));
            assertEquals(LtxErrorCode.NON_FINITE, nan.code());
            assertEquals("tensor 'latents_normalized' holds NaN at flat index 5; every value must be finite",
                    nan.getMessage());
            final LtxException missing = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "latents_normalized", inputs.get("latents_normalized")))));
            assertEquals(LtxErrorCode.INVALID_TENSOR, missing.code());
            assertEquals("vae-decode: missing input tensor 'decode_timestep' (expected shape [B])", missing.getMessage());
        }
    }
}
