package org.nifiltx.core.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Tiny random VAEs of the 0.9.0 and 0.9.1 families in both layouts: an original single-file checkpoint (block lists
 * of the release, widths shrunk) and the diffusers folder diffusers' converter would write from it. The transformer
 * half is the ltx-tiny fixture's, so both open as complete checkpoints.
 */
public final class LegacyVaeCheckpoints {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Where the two layouts of one tiny VAE were written. */
    public record Written(Path singleFile, Path diffusersFolder, Map<String, long[]> originalShapes) {
    }

    /** An old VAE family: its original config (tiny widths) and the diffusers config the converter pairs with it. */
    public enum Family {
        /**
         * Block list: Lightricks {@code ltx_video/utils/diffusers_config_mapping.py} {@code OURS_VAE_CONFIG} (the 0.9.0
         * release config, one {@code blocks} list for both halves); diffusers config: {@code get_vae_config("0.9.0")}
         * of {@code scripts/convert_ltx_to_diffusers.py}. Widths 4-8-16 instead of 128-256-512, 8 latent channels.
         */
        V0_9_0("""
                {"_class_name": "CausalVideoAutoencoder", "dims": 3, "in_channels": 3, "out_channels": 3, "latent_channels": 8,
                 "blocks": [["res_x", 4], ["compress_all", 1], ["res_x_y", 1], ["res_x", 3], ["compress_all", 1],
                            ["res_x_y", 1], ["res_x", 3], ["compress_all", 1], ["res_x", 3], ["res_x", 4]],
                 "scaling_factor": 1.0, "norm_layer": "pixel_norm", "patch_size": 4, "latent_log_var": "uniform",
                 "use_quant_conv": false, "causal_decoder": false, "encoder_base_channels": 4, "decoder_base_channels": 4}
                """, """
                {"_class_name": "AutoencoderKLLTXVideo", "in_channels": 3, "out_channels": 3, "latent_channels": 8,
                 "block_out_channels": [4, 8, 16, 16],
                 "down_block_types": ["LTXVideoDownBlock3D", "LTXVideoDownBlock3D", "LTXVideoDownBlock3D", "LTXVideoDownBlock3D"],
                 "decoder_block_out_channels": [4, 8, 16, 16], "layers_per_block": [4, 3, 3, 3, 4],
                 "decoder_layers_per_block": [4, 3, 3, 3, 4], "spatio_temporal_scaling": [true, true, true, false],
                 "decoder_spatio_temporal_scaling": [true, true, true, false],
                 "decoder_inject_noise": [false, false, false, false, false], "downsample_type": ["conv", "conv", "conv", "conv"],
                 "upsample_residual": [false, false, false, false], "upsample_factor": [1, 1, 1, 1], "patch_size": 4,
                 "patch_size_t": 1, "resnet_norm_eps": 1e-6, "scaling_factor": 1.0, "encoder_causal": true,
                 "decoder_causal": false, "timestep_conditioning": false}
                """),
        /**
         * Block lists: the 0.9.1 release config (spec §3.3/§3.4: the 0.9.0 encoder; decoder res_x 5/6/7 with noise
         * injection, residual ×2 upsamplers, res_x 8 mid block, timestep conditioning), the one diffusers'
         * {@code get_vae_config("0.9.1")} loads strictly; decoder widths 4-8-16-32 instead of 128-…-1024 (a residual
         * upsampler pixel-shuffles its input, so its width must stay a multiple of 8).
         */
        V0_9_1("""
                {"_class_name": "CausalVideoAutoencoder", "dims": 3, "in_channels": 3, "out_channels": 3, "latent_channels": 8,
                 "encoder_blocks": [["res_x", {"num_layers": 4}], ["compress_all", {}], ["res_x_y", 1],
                                    ["res_x", {"num_layers": 3}], ["compress_all", {}], ["res_x_y", 1],
                                    ["res_x", {"num_layers": 3}], ["compress_all", {}], ["res_x", {"num_layers": 3}],
                                    ["res_x", {"num_layers": 4}]],
                 "decoder_blocks": [["res_x", {"num_layers": 5, "inject_noise": true}],
                                    ["compress_all", {"residual": true, "multiplier": 2}],
                                    ["res_x", {"num_layers": 6, "inject_noise": true}],
                                    ["compress_all", {"residual": true, "multiplier": 2}],
                                    ["res_x", {"num_layers": 7, "inject_noise": true}],
                                    ["compress_all", {"residual": true, "multiplier": 2}],
                                    ["res_x", {"num_layers": 8, "inject_noise": false}]],
                 "scaling_factor": 1.0, "norm_layer": "pixel_norm", "patch_size": 4, "latent_log_var": "uniform",
                 "use_quant_conv": false, "causal_decoder": false, "timestep_conditioning": true,
                 "encoder_base_channels": 4, "decoder_base_channels": 4}
                """, """
                {"_class_name": "AutoencoderKLLTXVideo", "in_channels": 3, "out_channels": 3, "latent_channels": 8,
                 "block_out_channels": [4, 8, 16, 16],
                 "down_block_types": ["LTXVideoDownBlock3D", "LTXVideoDownBlock3D", "LTXVideoDownBlock3D", "LTXVideoDownBlock3D"],
                 "decoder_block_out_channels": [8, 16, 32], "layers_per_block": [4, 3, 3, 3, 4],
                 "decoder_layers_per_block": [5, 6, 7, 8], "spatio_temporal_scaling": [true, true, true, false],
                 "decoder_spatio_temporal_scaling": [true, true, true], "decoder_inject_noise": [true, true, true, false],
                 "downsample_type": ["conv", "conv", "conv", "conv"], "upsample_residual": [true, true, true],
                 "upsample_factor": [2, 2, 2], "timestep_conditioning": true, "patch_size": 4, "patch_size_t": 1,
                 "resnet_norm_eps": 1e-6, "scaling_factor": 1.0, "encoder_causal": true, "decoder_causal": false}
                """);

        private final String originalConfig;
        private final String diffusersConfig;

        Family(final String originalConfig, final String diffusersConfig) {
            this.originalConfig = originalConfig;
            this.diffusersConfig = diffusersConfig;
        }

        public String originalConfig() {
            return originalConfig;
        }

        public String diffusersConfig() {
            return diffusersConfig;
        }

        public VaeConfig parsedOriginal() {
            try {
                return VaeConfig.fromOriginal(MAPPER.readTree(originalConfig), name());
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private LegacyVaeCheckpoints() {
    }

    /** Writes {@code dir/<family>.safetensors} and {@code dir/<family>-diffusers/} with random weights from {@code seed}. */
    public static Written write(final Family family, final Path dir, final long seed) {
        try {
            final Map<String, long[]> shapes = OriginalVaeLayout.of(family.parsedOriginal());
            final Map<String, Tensor> vae = randomWeights(shapes, new Random(seed));
            final TensorBundle tiny = TinyFixtures.read("model/ltxv-tiny.safetensors");
            final Map<String, Tensor> tensors = new LinkedHashMap<>();
            tiny.tensors().forEach((key, value) -> {
                if (key.startsWith("model.diffusion_model.")) {
                    tensors.put(key, value);
                }
            });
            vae.forEach((key, value) -> tensors.put("vae." + key, value));
            final ObjectNode config = (ObjectNode) MAPPER.readTree(tiny.metadata().get("config"));
            config.set("vae", MAPPER.readTree(family.originalConfig()));
            final Path single = dir.resolve(family.name() + ".safetensors");
            SafeTensors.write(single, new TensorBundle(tensors, Map.of("config", MAPPER.writeValueAsString(config))));

            final Path folder = dir.resolve(family.name() + "-diffusers");
            Files.createDirectories(folder.resolve("transformer"));
            Files.createDirectories(folder.resolve("vae"));
            for (final String file : List.of("model_index.json", "transformer/config.json",
                    "transformer/diffusion_pytorch_model.safetensors")) {
                Files.copy(TinyFixtures.path("model/diffusers/" + file), folder.resolve(file));
            }
            Files.writeString(folder.resolve("vae/config.json"), family.diffusersConfig());
            SafeTensors.write(folder.resolve("vae/diffusion_pytorch_model.safetensors"),
                    TensorBundle.of(DiffusersVaeConverter.convert(tensors)));
            return new Written(single, folder, shapes);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gaussian weights scaled by 1/sqrt(fan-in) so activations stay O(1); positive statistics and multiplier. */
    private static Map<String, Tensor> randomWeights(final Map<String, long[]> shapes, final Random random) {
        final Map<String, Tensor> out = new LinkedHashMap<>();
        for (final Map.Entry<String, long[]> e : shapes.entrySet()) {
            final long[] shape = e.getValue();
            final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
            final double scale = shape.length >= 2 ? 1.0 / Math.sqrt(Tensor.numel(shape) / (double) shape[0]) : 0.5;
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * scale);
            }
            if (e.getKey().endsWith("std-of-means")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = 0.5f + Math.abs(values[i]);
                }
            } else if (e.getKey().endsWith("timestep_scale_multiplier")) {
                values[0] = 1000f;
            }
            out.put(e.getKey(), Tensor.ofFloats(shape, values));
        }
        return out;
    }
}
