package org.nifiltx.onnx.model.upsampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphValidator;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.runtime.SessionConfig;

class LatentUpsamplerRunnerTest {
    private static Path fixture(final String relative) throws URISyntaxException {
        return TinyFixtures.path(relative);
    }

    private static LatentUpsamplerModel model() throws URISyntaxException {
        return LatentUpsamplerModel.open(fixture("model/latent_upsampler"));
    }

    private static void assertClose(final float[] expected, final float[] actual, final String what) {
        System.out.printf("%s: relative error %.3e (tolerance %.0e)%n", what, Parity.relativeError(expected, actual),
                Parity.RELATIVE_TOLERANCE);
        Parity.assertClose(expected, actual, what);
    }

    @Test
    void upsampledLatentsMatchDiffusers() throws Exception {
        final TensorBundle inputs = SafeTensors.read(fixture("cases/latent_upsample/inputs.safetensors"));
        final Tensor expected = SafeTensors.read(fixture("cases/latent_upsample/outputs.safetensors")).get("upsampled_raw");
        try (LatentUpsamplerRunner runner = LatentUpsamplerRunner.open(model(), SessionConfig.cpu())) {
            final Tensor actual = runner.run(inputs).get("upsampled_raw");
            final long[] in = inputs.get("latents_raw").shape();
            assertArrayEquals(new long[] {in[0], in[1], in[2], 2 * in[3], 2 * in[4]}, actual.shape());
            assertArrayEquals(expected.shape(), actual.shape());
            assertClose(expected.toFloatArray(), actual.toFloatArray(), "latent upsampler");
        }
    }

    @Test
    void batchEntriesAreUpsampledIndependently() throws Exception {
        // batch 2 (the fixture twice) checks the frames-into-batch reshape of the per-frame upsampler
        final Tensor latents = SafeTensors.read(fixture("cases/latent_upsample/inputs.safetensors")).get("latents_raw");
        final float[] expected = SafeTensors.read(fixture("cases/latent_upsample/outputs.safetensors")).get("upsampled_raw")
                .toFloatArray();
        final float[] one = latents.toFloatArray();
        final float[] two = new float[2 * one.length];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        final long[] shape = latents.shape().clone();
        shape[0] = 2;
        try (LatentUpsamplerRunner runner = LatentUpsamplerRunner.open(model(), SessionConfig.cpu())) {
            final float[] out = runner.run(TensorBundle.of(Map.of("latents_raw", Tensor.ofFloats(shape, two))))
                    .get("upsampled_raw").toFloatArray();
            final float[] second = new float[expected.length];
            System.arraycopy(out, expected.length, second, 0, expected.length);
            assertClose(expected, second, "latent upsampler, second batch entry");
        }
    }

    @Test
    void wrongChannelCountIsAClearError() throws Exception {
        try (LatentUpsamplerRunner runner = LatentUpsamplerRunner.open(model(), SessionConfig.cpu())) {
            final LtxException e = assertThrows(LtxException.class, () -> runner.run(TensorBundle.of(Map.of("latents_raw",
                    Tensor.ofFloats(new long[] {1, 3, 1, 2, 2}, new float[12])))));
            assertEquals(LtxErrorCode.INVALID_TENSOR, e.code());
            assertTrue(e.getMessage().contains("latents_raw"), e.getMessage());
        }
    }

    @Test
    void graphIsWellFormedStandardOnnx() throws Exception {
        final ModelProto graph = LatentUpsampler.build(model(), Target.STANDARD_ONNX).build();
        assertEquals(List.of(), GraphValidator.problems(graph));
        assertTrue(graph.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()));
    }

    /** Case temporal_upsample: F → 2F − 1 frames, alone and with the spatial ×2, against diffusers (= the original). */
    @ParameterizedTest
    @CsvSource({"model/latent_upsampler_temporal, upsampled_raw, 1", "model/latent_upsampler_spatiotemporal, upsampled_raw_spatiotemporal, 2"})
    void temporalUpsamplersMatchTheReference(final String folder, final String output, final int spatial) throws Exception {
        final Tensor latents = SafeTensors.read(fixture("cases/temporal_upsample/inputs.safetensors")).get("latents_raw");
        final Tensor expected = SafeTensors.read(fixture("cases/temporal_upsample/outputs.safetensors")).get(output);
        final LatentUpsamplerModel model = LatentUpsamplerModel.open(fixture(folder));
        assertTrue(model.temporalUpsample());
        assertEquals(spatial == 2, model.spatialUpsample());
        final long[] in = latents.shape();
        // batch 2 (the fixture twice): the 3-D pixel shuffle must keep batch entries apart
        final float[] one = latents.toFloatArray();
        final float[] two = new float[2 * one.length];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        try (LatentUpsamplerRunner runner = LatentUpsamplerRunner.open(model, SessionConfig.cpu())) {
            final Tensor actual = runner.run(TensorBundle.of(Map.of("latents_raw", latents))).get("upsampled_raw");
            assertArrayEquals(new long[] {in[0], in[1], 2 * in[2] - 1, spatial * in[3], spatial * in[4]}, actual.shape());
            assertClose(expected.toFloatArray(), actual.toFloatArray(), folder);
            final long[] batched = in.clone();
            batched[0] = 2;
            final float[] out = runner.run(TensorBundle.of(Map.of("latents_raw", Tensor.ofFloats(batched, two))))
                    .get("upsampled_raw").toFloatArray();
            assertClose(expected.toFloatArray(), Arrays.copyOfRange(out, out.length / 2, out.length), folder + ", batch entry 2");
        }
        final ModelProto graph = LatentUpsampler.build(model, Target.STANDARD_ONNX).build();
        assertEquals(List.of(), GraphValidator.problems(graph));
    }

    @Test
    void anUpsamplerThatUpsamplesNothingIsRefused() throws Exception {
        final Path folder = Files.createTempDirectory("upsampler");
        try {
            Files.copy(fixture("model/latent_upsampler_temporal/diffusion_pytorch_model.safetensors"),
                    folder.resolve("diffusion_pytorch_model.safetensors"));
            Files.writeString(folder.resolve("config.json"), "{\"in_channels\": 16, \"mid_channels\": 32, "
                    + "\"num_blocks_per_stage\": 1, \"spatial_upsample\": false, \"temporal_upsample\": false}");
            final LtxException e = assertThrows(LtxException.class, () -> LatentUpsamplerModel.open(folder));
            assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
            assertEquals(folder.getFileName() + ": latent upsampler config has spatial_upsample and temporal_upsample both "
                    + "false; one must be true", e.getMessage());
        } finally {
            try (var files = Files.list(folder)) {
                for (final Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(folder);
        }
    }

    @Test
    void temporalWeightsUnderASpatialConfigAreACheckpointMismatch() throws Exception {
        final LatentUpsamplerModel temporal = LatentUpsamplerModel.open(fixture("model/latent_upsampler_temporal"));
        final LatentUpsamplerModel mislabelled = new LatentUpsamplerModel(temporal.inChannels(), temporal.midChannels(),
                temporal.numBlocksPerStage(), true, false, temporal.weights());
        final LtxException e = assertThrows(LtxException.class, () -> LatentUpsampler.build(mislabelled, Target.ONNX_RUNTIME));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("checkpoint latent upsampler weight 'upsampler.0.bias' has shape [64], the config implies [128]",
                e.getMessage());
    }
}
