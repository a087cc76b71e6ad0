package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * A 0.9.1-style decoder (timestep-conditioned res_x groups with noise injection, residual depth-to-space halving the
 * channels, batch 2 with different timesteps, a stored timestep multiplier of 800) against a float64 numpy reference
 * ({@code vae-legacy/generate_noise.py}); the reference's noise maps are fed as graph inputs.
 */
class VaeNoiseInjectionTest {
    private static VaeConfig config(final TensorBundle reference) throws JsonProcessingException {
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode node = mapper.createObjectNode();
        node.put("latent_channels", 6);
        node.put("patch_size", 4);
        node.put("decoder_base_channels", 4);
        node.put("timestep_conditioning", true);
        node.set("encoder_blocks", mapper.readTree("[[\"res_x\", 1]]"));
        node.set("decoder_blocks", mapper.readTree(reference.metadata().get("decoder_blocks")));
        return VaeConfig.fromOriginal(node, "vae-noise");
    }

    @Test
    void decoderWithNoiseInjectionMatchesNumpyReference() throws URISyntaxException, JsonProcessingException {
        final TensorBundle reference = SafeTensors.read(Path.of(
                VaeNoiseInjectionTest.class.getResource("/vae-legacy/noise.safetensors").toURI()));
        final VaeGraphs.DecoderGraph graph = VaeGraphs.decoderGraph(config(reference),
                new WeightStore("vae", reference.tensors()));
        final Tensor latents = reference.get("test.latents_normalized");
        final Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("latents_normalized", latents);
        feeds.put("decode_timestep", reference.get("test.decode_timestep"));
        assertEquals(8, graph.noiseInputs().size());
        for (final Decoder.NoiseInput noise : graph.noiseInputs()) {
            final Tensor map = reference.get("input." + noise.name());
            // the runner sizes missing maps the same way
            assertArrayEquals(new long[] {latents.dim(3) * noise.spatialScale(), latents.dim(4) * noise.spatialScale()},
                    map.shape(), noise.name());
            feeds.put(noise.name(), map);
        }
        try (OnnxSession session = OnnxSession.create(graph.graph(), SessionConfig.cpu())) {
            final TensorBundle out = session.run(TensorBundle.of(feeds));
            final double error = VaeFixtures.relativeError(out.get("video"), reference.get("test.decoded_video"));
            System.out.printf("vae noise injection: video rel err %.3e%n", error);
            assertTrue(error <= VaeFixtures.RELATIVE_TOLERANCE, "video relative error " + error);
            // the noise must matter: zero maps move the output far outside the tolerance
            for (final Decoder.NoiseInput noise : graph.noiseInputs()) {
                final Tensor map = feeds.get(noise.name());
                feeds.put(noise.name(), Tensor.ofFloats(map.shape(), new float[Math.toIntExact(map.numel())]));
            }
            final double withoutNoise = VaeFixtures.relativeError(session.run(TensorBundle.of(feeds)).get("video"),
                    reference.get("test.decoded_video"));
            assertTrue(withoutNoise > 100 * VaeFixtures.RELATIVE_TOLERANCE, "error without noise " + withoutNoise);
        }
    }
}
