package org.nifiltx.onnx.model.upsampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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

    @Test
    void temporalUpsamplerIsRejected() throws Exception {
        final LatentUpsamplerModel spatial = model();
        final LatentUpsamplerModel temporal = new LatentUpsamplerModel(spatial.inChannels(), spatial.midChannels(),
                spatial.numBlocksPerStage(), false, true, spatial.weights());
        final LtxException e = assertThrows(LtxException.class, () -> LatentUpsampler.build(temporal, Target.ONNX_RUNTIME));
        assertEquals(LtxErrorCode.UNSUPPORTED, e.code());
    }
}
