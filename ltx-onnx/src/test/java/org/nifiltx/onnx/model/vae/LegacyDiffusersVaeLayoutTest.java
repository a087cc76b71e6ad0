package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.LegacyVaeCheckpoints;
import org.nifiltx.core.testing.LegacyVaeCheckpoints.Family;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * A tiny random 0.9.0 / 0.9.1 VAE opened from its original single file and from the diffusers folder the converter
 * writes from it: the graphs built from the translated config and renamed weights decode (and encode) the same
 * inputs to bit-identical outputs, so the graph accepts the translated config as it is.
 */
class LegacyDiffusersVaeLayoutTest {
    @ParameterizedTest
    @EnumSource(Family.class)
    void bothLayoutsDecodeAndEncodeIdentically(final Family family, @TempDir final Path dir) {
        final LegacyVaeCheckpoints.Written written = LegacyVaeCheckpoints.write(family, dir, 11);
        final LtxCheckpoint single = LtxCheckpoint.open(written.singleFile());
        final LtxCheckpoint diffusers = LtxCheckpoint.open(written.diffusersFolder());
        final Random random = new Random(5);

        final VaeGraphs.DecoderGraph singleGraph = VaeGraphs.decoderGraph(single.vaeConfig(), single.vaeWeights());
        final VaeGraphs.DecoderGraph diffusersGraph = VaeGraphs.decoderGraph(diffusers.vaeConfig(), diffusers.vaeWeights());
        assertEquals(singleGraph.noiseInputs(), diffusersGraph.noiseInputs());
        // 0.9.1 injects noise in 5 + 6 + 7 res blocks, twice each; 0.9.0 none
        assertEquals(family == Family.V0_9_1 ? 36 : 0, singleGraph.noiseInputs().size());
        final Tensor latents = gaussian(random, 1, 8, 2, 2, 2);
        final Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("latents_normalized", latents);
        if (single.vaeConfig().timestepConditioning()) {
            feeds.put("decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {0.05f}));
        }
        for (final Decoder.NoiseInput noise : singleGraph.noiseInputs()) {
            feeds.put(noise.name(), gaussian(random, latents.dim(3) * noise.spatialScale(), latents.dim(4) * noise.spatialScale()));
        }
        final Tensor video = run(singleGraph, feeds, "video");
        assertArrayEquals(new long[] {1, 3, 9, 64, 64}, video.shape());
        assertArrayEquals(video.toByteArray(), run(diffusersGraph, feeds, "video").toByteArray());
        final double spread = standardDeviation(video.toFloatArray());
        System.out.printf("legacy diffusers VAE %s: decoded video std %.4f%n", family, spread);
        assertTrue(spread > 1e-3, "decoded video is flat: std " + spread);

        final Map<String, Tensor> pixels = Map.of("video", gaussian(random, 1, 3, 9, 64, 64));
        final Tensor encoded = encode(single, pixels);
        assertArrayEquals(new long[] {1, 8, 2, 2, 2}, encoded.shape());
        assertArrayEquals(encoded.toByteArray(), encode(diffusers, pixels).toByteArray());
        assertTrue(standardDeviation(encoded.toFloatArray()) > 1e-3, "encoded latents are flat");
    }

    private static Tensor run(final VaeGraphs.DecoderGraph graph, final Map<String, Tensor> feeds, final String output) {
        try (OnnxSession session = OnnxSession.create(graph.graph(), SessionConfig.cpu())) {
            return session.run(TensorBundle.of(feeds)).get(output);
        }
    }

    private static Tensor encode(final LtxCheckpoint checkpoint, final Map<String, Tensor> feeds) {
        try (OnnxSession session = OnnxSession.create(VaeGraphs.encoder(checkpoint.vaeConfig(), checkpoint.vaeWeights()),
                SessionConfig.cpu())) {
            return session.run(TensorBundle.of(feeds)).get("latents_normalized");
        }
    }

    private static Tensor gaussian(final Random random, final long... shape) {
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(shape, values);
    }

    private static double standardDeviation(final float[] values) {
        double sum = 0;
        double squares = 0;
        for (final float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        final double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }
}
