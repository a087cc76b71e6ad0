package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.SessionConfig;

class VaeEncoderRunnerTest {
    private static final String CASE = "cases/vae_encode/";

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void encodeMatchesReference(final String model) {
        final TensorBundle inputs = VaeFixtures.read(CASE + "inputs.safetensors");
        final TensorBundle expected = VaeFixtures.read(CASE + "outputs.safetensors");
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource(model));
        try (VaeEncoderRunner runner = VaeEncoderRunner.open(checkpoint, SessionConfig.cpu())) {
            final TensorBundle out = runner.run(TensorBundle.of(Map.of("video", inputs.get("video"))));
            for (final String name : new String[] {"latent_mean", "latents_normalized", "latent_logvar"}) {
                final double error = VaeFixtures.relativeError(out.get(name), expected.get(name));
                System.out.printf("vae_encode %s: %s rel err %.3e%n", model, name, error);
                assertTrue(error <= VaeFixtures.RELATIVE_TOLERANCE, name + " relative error " + error);
            }
        }
    }

    @Test
    void badInputsGiveExactMessages() {
        try (VaeEncoderRunner runner = VaeEncoderRunner.open(
                LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors")), SessionConfig.cpu())) {
            final LtxException frames = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "video", Tensor.ofFloats(new long[] {1, 3, 10, 64, 96}, new float[3 * 10 * 64 * 96])))));
            assertEquals(LtxErrorCode.INVALID_ARGUMENT, frames.code());
            assertEquals("vae-encode: video has 10 frames; frames must be 8N+1 (1, 9, 17, ...)", frames.getMessage());
            final LtxException height = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "video", Tensor.ofFloats(new long[] {1, 3, 9, 70, 96}, new float[3 * 9 * 70 * 96])))));
            assertEquals(LtxErrorCode.INVALID_ARGUMENT, height.code());
            assertEquals("vae-encode: video has height 70; height must be a multiple of 32 (32, 64, 96, ...)",
                    height.getMessage());
            final LtxException channels = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of(
                    "video", Tensor.ofFloats(new long[] {1, 4, 9, 64, 96}, new float[4 * 9 * 64 * 96])))));
            assertEquals(LtxErrorCode.INVALID_TENSOR, channels.code());
            assertEquals("vae-encode: input 'video' has shape [1, 4, 9, 64, 96], expected [B, 3, F, H, W]",
                    channels.getMessage());
        }
    }
}
