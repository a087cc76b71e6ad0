package org.nifiltx.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;

class LtxCheckpointTest {
    static Path fixture(final String relative) {
        return TinyFixtures.path(relative);
    }

    private static final LtxCheckpoint SINGLE = LtxCheckpoint.open(fixture("model/ltxv-tiny.safetensors"));
    private static final LtxCheckpoint DIFFUSERS = LtxCheckpoint.open(fixture("model/diffusers"));

    @Test
    void detectsBothLayouts() {
        assertEquals(CheckpointLayout.SINGLE_FILE, SINGLE.layout());
        assertEquals(CheckpointLayout.DIFFUSERS, DIFFUSERS.layout());
        assertEquals("0.9.5+", SINGLE.modelVersion());
        assertEquals("0.9.5+", DIFFUSERS.modelVersion());
    }

    @Test
    void transformerConfigMatchesFixtureConfigFromBothLayouts() {
        for (final LtxCheckpoint c : List.of(SINGLE, DIFFUSERS)) {
            final TransformerConfig t = c.transformerConfig();
            assertEquals(2, t.numLayers());
            assertEquals(2, t.numAttentionHeads());
            assertEquals(16, t.attentionHeadDim());
            assertEquals(32, t.innerDim());
            assertEquals(2, t.ropePadding());
            assertEquals(16, t.inChannels());
            assertEquals(16, t.outChannels());
            assertEquals(32, t.crossAttentionDim());
            assertEquals(24, t.captionChannels());
            assertEquals(1, t.patchSize());
            assertEquals(1, t.patchSizeT());
            assertEquals(1e-6, t.normEps());
            assertEquals(1000.0, t.timestepScaleMultiplier());
            assertArrayEquals(new int[] {20, 2048, 2048}, t.positionalEmbeddingMaxPos());
        }
        assertEquals(java.util.Optional.of(true), SINGLE.transformerConfig().causalTemporalPositioning());
        assertEquals(java.util.Optional.empty(), DIFFUSERS.transformerConfig().causalTemporalPositioning());
    }

    @Test
    void vaeConfigIsTheSameFromBothLayouts() {
        final VaeConfig single = SINGLE.vaeConfig();
        final VaeConfig diffusers = DIFFUSERS.vaeConfig();
        assertEquals(16, single.latentChannels());
        assertEquals(4, single.patchSize());
        assertEquals(8, single.encoderBaseChannels());
        assertEquals(4, single.decoderBaseChannels());
        assertEquals(32, single.spatialCompression());
        assertEquals(8, single.temporalCompression());
        assertEquals(single.encoderBlocks(), diffusers.encoderBlocks());
        assertEquals(single.decoderBlocks(), diffusers.decoderBlocks());
        assertEquals(single.latentChannels(), diffusers.latentChannels());
        assertEquals(single.patchSize(), diffusers.patchSize());
        assertEquals(single.encoderBaseChannels(), diffusers.encoderBaseChannels());
        assertEquals(single.decoderBaseChannels(), diffusers.decoderBaseChannels());
        assertEquals(single.timestepConditioning(), diffusers.timestepConditioning());
        assertEquals(single.causalDecoder(), diffusers.causalDecoder());
        assertEquals(new VaeBlock("compress_space_res", 1, 2, false, false), single.encoderBlocks().get(1));
        assertEquals(new VaeBlock("res_x", 2, 1, false, false), single.decoderBlocks().get(0));
        assertEquals(new VaeBlock("compress_all", 1, 2, true, false), single.decoderBlocks().get(1));
    }

    @Test
    void diffusersWeightsRenameToTheOriginalKeysWithIdenticalValues() {
        assertSameWeights(SINGLE.transformerWeights(), DIFFUSERS.transformerWeights(), Set.of());
        // diffusers' converter drops the unused statistics; everything else maps one to one.
        assertSameWeights(SINGLE.vaeWeights(), DIFFUSERS.vaeWeights(), Set.of("per_channel_statistics.channel",
                "per_channel_statistics.mean-of-stds", "per_channel_statistics.mean-of-stds_over_std-of-means"));
    }

    private static void assertSameWeights(final WeightStore original, final WeightStore converted, final Set<String> dropped) {
        final Set<String> expected = new TreeSet<>(original.keys());
        expected.removeAll(dropped);
        assertEquals(expected, converted.keys());
        for (final String key : expected) {
            assertArrayEquals(original.get(key).shape(), converted.get(key).shape(), key);
            assertArrayEquals(original.get(key).toByteArray(), converted.get(key).toByteArray(), key);
        }
    }

    @Test
    void diffusersFolderCarriesTextEncoderAndScheduler() {
        assertFalse(SINGLE.textEncoder().isPresent());
        final LtxCheckpoint.TextEncoder t5 = DIFFUSERS.textEncoder().orElseThrow();
        assertEquals(new T5Config(24, 2, 3, 8, 64, 320, 32, 128, 1e-6, "gated-gelu"), t5.config());
        assertEquals(320L * 24 + 2 * (4 * 24 * 24 + 2 * 24 + 3 * 64 * 24) + 32 * 3 + 24, t5.weights().parameterCount());
        assertTrue(Files.isRegularFile(t5.tokenizerDir().resolve("spiece.model")));
        assertEquals("FlowMatchEulerDiscreteScheduler", DIFFUSERS.schedulerConfig().orElseThrow().get("_class_name").asText());
        assertEquals("RectifiedFlowScheduler", SINGLE.schedulerConfig().orElseThrow().get("_class_name").asText());
        assertEquals(8, SINGLE.allowedInferenceSteps().orElseThrow().size());
    }

    @Test
    void scopedLookupFailsByFullKeyAndCheckedShape() {
        final WeightStore block = SINGLE.transformerWeights().scoped("transformer_blocks.1");
        assertArrayEquals(new long[] {32, 32}, block.get("attn1.to_q.weight", 32, 32).shape());
        final LtxException missing = assertThrows(LtxException.class, () -> block.get("attn3.to_q.weight"));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, missing.code());
        assertEquals("checkpoint transformer weights lack 'transformer_blocks.1.attn3.to_q.weight'", missing.getMessage());
        final LtxException shape = assertThrows(LtxException.class, () -> block.get("attn1.to_q.weight", 64, 32));
        assertEquals("checkpoint transformer weight 'transformer_blocks.1.attn1.to_q.weight' has shape [32, 32], "
                + "the config implies [64, 32]", shape.getMessage());
    }

    @Test
    void shardedComponentLoadsLikeTheSingleFile(@TempDir final Path dir) throws IOException {
        final Path folder = Files.createDirectories(dir.resolve("transformer"));
        Files.copy(fixture("model/diffusers/transformer/config.json"), folder.resolve("config.json"));
        final TensorBundle whole = SafeTensors.read(fixture("model/diffusers/transformer/diffusion_pytorch_model.safetensors"));
        final Map<String, Tensor> first = new LinkedHashMap<>();
        final Map<String, Tensor> second = new LinkedHashMap<>();
        final StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (final Map.Entry<String, Tensor> e : whole.tensors().entrySet()) {
            final boolean toFirst = i++ % 2 == 0;
            (toFirst ? first : second).put(e.getKey(), e.getValue());
            index.append(i > 1 ? ", " : "").append('"').append(e.getKey()).append("\": \"")
                    .append(toFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
        }
        index.append("}}");
        SafeTensors.write(folder.resolve("model-00001-of-00002.safetensors"), TensorBundle.of(first));
        SafeTensors.write(folder.resolve("model-00002-of-00002.safetensors"), TensorBundle.of(second));
        Files.writeString(folder.resolve("diffusion_pytorch_model.safetensors.index.json"), index.toString());
        Files.createDirectories(dir.resolve("vae"));
        Files.copy(fixture("model/diffusers/vae/config.json"), dir.resolve("vae/config.json"));
        Files.copy(fixture("model/diffusers/vae/diffusion_pytorch_model.safetensors"),
                dir.resolve("vae/diffusion_pytorch_model.safetensors"));
        Files.copy(fixture("model/diffusers/model_index.json"), dir.resolve("model_index.json"));

        final LtxCheckpoint sharded = LtxCheckpoint.open(dir);
        assertSameWeights(SINGLE.transformerWeights(), sharded.transformerWeights(), Set.of());

        Files.delete(folder.resolve("model-00002-of-00002.safetensors"));
        final LtxException e = assertThrows(LtxException.class, () -> LtxCheckpoint.open(dir));
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, e.code());
        assertEquals("safetensors file not found: " + folder.toAbsolutePath().resolve("model-00002-of-00002.safetensors"),
                e.getMessage());
    }

    @Test
    void rejectsFilesThatAreNotLtxCheckpoints(@TempDir final Path dir) {
        final Path plain = dir.resolve("plain.safetensors");
        SafeTensors.write(plain, TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1f}))));
        final LtxException noConfig = assertThrows(LtxException.class, () -> LtxCheckpoint.open(plain));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, noConfig.code());
        assertEquals(plain + " has no __metadata__ config: not an LTX-Video single-file checkpoint "
                + "(expected metadata 'config' with transformer and vae sections)", noConfig.getMessage());

        final Path missing = dir.resolve("nope.safetensors");
        final LtxException notFound = assertThrows(LtxException.class, () -> LtxCheckpoint.open(missing));
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, notFound.code());
        assertEquals("model not found: " + missing, notFound.getMessage());

        final LtxException emptyDir = assertThrows(LtxException.class, () -> LtxCheckpoint.open(dir));
        assertEquals(dir + " is neither a single-file checkpoint nor a diffusers folder (no model_index.json, no transformer/)",
                emptyDir.getMessage());
    }

    @Test
    void configWithoutLayerCountIsAClearMismatch(@TempDir final Path dir) {
        final Path file = dir.resolve("bad.safetensors");
        SafeTensors.write(file, new TensorBundle(Map.of("model.diffusion_model.x", Tensor.ofFloats(new long[] {1}, new float[] {1f})),
                Map.of("config", "{\"transformer\": {\"num_attention_heads\": 2}, \"vae\": {}}")));
        final LtxException e = assertThrows(LtxException.class, () -> LtxCheckpoint.open(file));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("bad.safetensors lacks the config entry 'num_layers'", e.getMessage());
    }

    @Test
    void renameTableMapsEveryDocumentedDecoderIndex() {
        final List<KeyRenames.Rename> prefixes = KeyRenames.vae095BlockPrefixes(9, 7);
        assertEquals("decoder.up_blocks.1.conv.conv.weight",
                KeyRenames.vaeToOriginal("decoder.up_blocks.0.upsamplers.0.conv.conv.weight", prefixes));
        assertEquals("decoder.up_blocks.6.res_blocks.1.conv1.conv.weight",
                KeyRenames.vaeToOriginal("decoder.up_blocks.2.resnets.1.conv1.conv.weight", prefixes));
        assertEquals("encoder.down_blocks.8.res_blocks.0.conv2.conv.bias",
                KeyRenames.vaeToOriginal("encoder.mid_block.resnets.0.conv2.conv.bias", prefixes));
        assertEquals("encoder.down_blocks.7.conv.conv.weight",
                KeyRenames.vaeToOriginal("encoder.down_blocks.3.downsamplers.0.conv.conv.weight", prefixes));
        assertEquals("decoder.last_time_embedder.timestep_embedder.linear_1.weight",
                KeyRenames.vaeToOriginal("decoder.time_embedder.timestep_embedder.linear_1.weight", prefixes));
        assertEquals("per_channel_statistics.std-of-means", KeyRenames.vaeToOriginal("latents_std", prefixes));
        assertEquals("transformer_blocks.0.attn2.k_norm.weight",
                KeyRenames.transformerToOriginal("transformer_blocks.0.attn2.norm_k.weight"));
    }
}
