package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * The 0.9.0-era block types (res_x_y with LayerNorm shortcut, strided compress_time / compress_space / compress_all
 * convs, non-residual depth-to-space), reflect and replicate spatial padding and per-channel log-variance against a
 * float64 numpy reference ({@code vae-legacy/generate.py}, written from the original module semantics).
 */
class VaeLegacyBlocksTest {
    /** The config as the original single-file metadata would give it; block lists from the generator's metadata. */
    private static VaeConfig config(final TensorBundle reference, final String spatialPaddingMode) {
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode node = mapper.createObjectNode();
        node.put("latent_channels", 6);
        node.put("patch_size", 4);
        node.put("encoder_base_channels", 4);
        node.put("decoder_base_channels", 4);
        node.put("causal_decoder", false);
        node.put("timestep_conditioning", false);
        node.put("spatial_padding_mode", spatialPaddingMode);
        node.put("latent_log_var", "per_channel");
        node.put("norm_layer", "pixel_norm");
        try {
            node.set("encoder_blocks", mapper.readTree(reference.metadata().get("encoder_blocks")));
            node.set("decoder_blocks", mapper.readTree(reference.metadata().get("decoder_blocks")));
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return VaeConfig.fromOriginal(node, "vae-legacy");
    }

    private static TensorBundle reference(final String spatialPaddingMode) throws URISyntaxException {
        return SafeTensors.read(Path.of(VaeLegacyBlocksTest.class.getResource(
                "/vae-legacy/legacy-" + spatialPaddingMode + ".safetensors").toURI()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"reflect", "replicate"})
    void encoderMatchesNumpyReference(final String padding) throws URISyntaxException {
        final TensorBundle reference = reference(padding);
        final WeightStore weights = new WeightStore("vae", reference.tensors());
        final VaeConfig config = config(reference, padding);
        try (OnnxSession session = OnnxSession.create(VaeGraphs.encoder(config, weights), SessionConfig.cpu())) {
            final TensorBundle out = session.run(TensorBundle.of(Map.of("video", reference.get("test.video"))));
            check(padding, out, "latent_mean", reference, "test.latent_mean");
            check(padding, out, "latent_logvar", reference, "test.latent_logvar");
            check(padding, out, "latents_normalized", reference, "test.encoded_normalized");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reflect", "replicate"})
    void decoderMatchesNumpyReference(final String padding) throws URISyntaxException {
        final TensorBundle reference = reference(padding);
        final WeightStore weights = new WeightStore("vae", reference.tensors());
        final VaeConfig config = config(reference, padding);
        try (OnnxSession session = OnnxSession.create(VaeGraphs.decoder(config, weights), SessionConfig.cpu())) {
            final TensorBundle out = session.run(TensorBundle.of(Map.of(
                    "latents_normalized", reference.get("test.latents_normalized"))));
            check(padding, out, "video", reference, "test.decoded_video");
        }
    }

    private static void check(final String padding, final TensorBundle out, final String name, final TensorBundle reference,
            final String key) {
        final double error = VaeFixtures.relativeError(out.get(name), reference.get(key));
        System.out.printf("vae legacy blocks (%s padding): %s rel err %.3e%n", padding, name, error);
        assertTrue(error <= VaeFixtures.RELATIVE_TOLERANCE, name + " relative error " + error);
    }
}
