package org.nifiltx.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.checkpoint.KeyRenames;
import org.nifiltx.core.checkpoint.TransformerTopology;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.SparseSafeTensors;
import org.nifiltx.core.testing.TinyFixtures;

/**
 * One-block checkpoints of the LTX-Video 13B transformer (0.9.7 / 0.9.8: 32 heads × 128, cross-attention and captions
 * 4096) in both layouts, beside the tiny fixture's VAE: the transformer's real names and shapes in bf16 as the official
 * files hold them, its data a sparse hole of zeros (~0.8 GB that is never written).
 */
final class Topology13bCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRANSFORMER_PREFIX = "model.diffusion_model.";

    /** The {@code transformer} section of the 13B single file's metadata config (its Transformer3DModel keys), 1 block. */
    static final String ORIGINAL_CONFIG = """
            {"_class_name": "Transformer3DModel", "activation_fn": "gelu-approximate", "attention_bias": true,
             "attention_head_dim": 128, "attention_type": "default", "caption_channels": 4096, "cross_attention_dim": 4096,
             "double_self_attention": false, "dropout": 0.0, "norm_elementwise_affine": false, "norm_eps": 1e-06,
             "num_attention_heads": 32, "num_embeds_ada_norm": 1000, "num_layers": 1, "only_cross_attention": false,
             "out_channels": 128, "upcast_attention": false, "qk_norm": "rms_norm", "standardization_norm": "rms_norm",
             "positional_embedding_type": "rope", "positional_embedding_theta": 10000.0,
             "positional_embedding_max_pos": [20, 2048, 2048], "timestep_scale_multiplier": 1000, "in_channels": 128,
             "causal_temporal_positioning": true}""";

    /** diffusers' {@code transformer/config.json} of the 13B models, 1 block. */
    static final String DIFFUSERS_CONFIG = """
            {"_class_name": "LTXVideoTransformer3DModel", "activation_fn": "gelu-approximate", "attention_bias": true,
             "attention_head_dim": 128, "attention_out_bias": true, "caption_channels": 4096, "cross_attention_dim": 4096,
             "in_channels": 128, "norm_elementwise_affine": false, "norm_eps": 1e-06, "num_attention_heads": 32,
             "num_layers": 1, "out_channels": 128, "patch_size": 1, "patch_size_t": 1, "qk_norm": "rms_norm_across_heads"}""";

    private Topology13bCheckpoints() {
    }

    /** Original names → shapes, from the benchmark's random weights of the topology (built once, then dropped). */
    private static Map<String, long[]> shapes() {
        final Map<String, long[]> shapes = new LinkedHashMap<>();
        final var weights = RandomTransformerWeights.create(TransformerTopology.LTX_13B.config(1), 1);
        weights.keys().forEach(k -> shapes.put(k, weights.get(k).shape()));
        return shapes;
    }

    /** {@code ltxv-13b.safetensors} under {@code dir}: the tiny file's VAE and config with the 13B transformer. */
    static Path singleFile(final Path dir, final Map<String, long[]> shapes) throws IOException {
        final TensorBundle tiny = SafeTensors.read(TinyFixtures.path("model/ltxv-tiny.safetensors"));
        final ObjectNode config = (ObjectNode) JSON.readTree(tiny.metadata().get("config"));
        config.set("transformer", JSON.readTree(ORIGINAL_CONFIG));
        final Map<String, Tensor> vae = new LinkedHashMap<>();
        tiny.tensors().forEach((k, v) -> {
            if (k.startsWith("vae.")) {
                vae.put(k, v);
            }
        });
        final Map<String, long[]> transformer = new LinkedHashMap<>();
        shapes.forEach((k, v) -> transformer.put(TRANSFORMER_PREFIX + k, v));
        final Path file = dir.resolve("ltxv-13b.safetensors");
        SparseSafeTensors.write(file, Map.of("config", JSON.writeValueAsString(config)), vae, transformer, DType.BF16);
        return file;
    }

    /** A diffusers folder under {@code dir}: the tiny folder with a 13B {@code transformer/}. */
    static Path diffusers(final Path dir, final Map<String, long[]> shapes) throws IOException {
        final Path folder = TinyFixtures.diffusersCopy(dir);
        final Path transformer = folder.resolve("transformer");
        Files.writeString(transformer.resolve("config.json"), DIFFUSERS_CONFIG);
        final Map<String, long[]> renamed = new LinkedHashMap<>();
        shapes.forEach((k, v) -> {
            String key = k;
            for (final KeyRenames.Rename r : KeyRenames.TRANSFORMER) {
                key = key.replace(r.original(), r.diffusers());
            }
            renamed.put(key, v);
        });
        SparseSafeTensors.write(transformer.resolve("diffusion_pytorch_model.safetensors"), Map.of(), Map.of(), renamed,
                DType.BF16);
        return folder;
    }

    /** Both layouts under {@code dir}: {@code [single file, diffusers folder]}. */
    static Path[] both(final Path dir) throws IOException {
        final Map<String, long[]> shapes = shapes();
        Files.createDirectories(dir.resolve("single"));
        return new Path[] {singleFile(dir.resolve("single"), shapes), diffusers(dir.resolve("diffusers"), shapes)};
    }
}
