package org.nifiltx.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.testing.LegacyVaeCheckpoints;
import org.nifiltx.core.testing.LegacyVaeCheckpoints.Family;

/**
 * 0.9.0 and 0.9.1 VAEs read from a diffusers folder: a tiny random original checkpoint and the folder diffusers'
 * converter writes from it ({@code DiffusersVaeConverter}, the converter's own dicts) open to the same canonical
 * weights and the same config; full-size diffusers configs translate to the release block lists.
 */
class LegacyDiffusersVaeTest {
    /** The converter drops these statistics; the original checkpoint carries them unused. */
    private static final Set<String> DROPPED = Set.of("per_channel_statistics.channel", "per_channel_statistics.mean-of-stds",
            "per_channel_statistics.mean-of-stds_over_std-of-means");

    @ParameterizedTest
    @EnumSource(Family.class)
    void bothLayoutsOpenToTheSameWeightsAndConfig(final Family family, @TempDir final Path dir) {
        final LegacyVaeCheckpoints.Written written = LegacyVaeCheckpoints.write(family, dir, 7);
        final LtxCheckpoint single = LtxCheckpoint.open(written.singleFile());
        final LtxCheckpoint diffusers = LtxCheckpoint.open(written.diffusersFolder());

        // the single file holds exactly the parameters the original modules register
        assertEquals(new TreeSet<>(written.originalShapes().keySet()), single.vaeWeights().keys());
        final Set<String> expected = new TreeSet<>(single.vaeWeights().keys());
        expected.removeAll(DROPPED);
        assertEquals(expected, diffusers.vaeWeights().keys());
        for (final String key : expected) {
            assertArrayEquals(written.originalShapes().get(key), diffusers.vaeWeights().get(key).shape(), key);
            assertArrayEquals(single.vaeWeights().get(key).toByteArray(), diffusers.vaeWeights().get(key).toByteArray(), key);
        }
        assertEquals(family.parsedOriginal(), single.vaeConfig());
        assertEquals(single.vaeConfig(), diffusers.vaeConfig());
        final String version = family == Family.V0_9_0 ? "0.9.0" : "0.9.1";
        assertEquals(version, single.modelVersion());
        assertEquals(version, diffusers.modelVersion());
    }

    @Test
    void tinyFolderUsesTheDiffusersModuleNames(@TempDir final Path dir) {
        // guards the comparison above against a converter stand-in that renames nothing
        final Path folder = LegacyVaeCheckpoints.write(Family.V0_9_0, dir, 1).diffusersFolder();
        final Set<String> keys = SafeTensors.read(folder.resolve("vae/diffusion_pytorch_model.safetensors")).names();
        for (final String key : List.of(
                "decoder.up_blocks.2.conv_in.conv_shortcut.conv.weight", "decoder.up_blocks.2.conv_in.norm3.weight",
                "decoder.up_blocks.3.upsamplers.0.conv.conv.weight", "decoder.mid_block.resnets.3.conv2.conv.bias",
                "encoder.down_blocks.0.conv_out.conv_shortcut.conv.bias", "encoder.down_blocks.2.downsamplers.0.conv.weight",
                "encoder.mid_block.resnets.3.conv1.conv.weight", "latents_mean", "latents_std")) {
            assertTrue(keys.contains(key), key);
        }
        assertEquals(List.of(), keys.stream().filter(k -> k.contains("res_blocks") || k.contains("per_channel")).toList());
    }

    /** The converter's full-size diffusers configs give the release block lists. */
    @Test
    void fullSizeDiffusersConfigsTranslateToTheReleaseBlockLists() {
        final JsonNode v090 = tinyToFullSize(Family.V0_9_0);
        final VaeConfig expected090 = fullSizeOriginal(Family.V0_9_0, 128, 128);
        assertEquals(expected090, VaeConfig.fromDiffusers(v090, "0.9.0"));
        assertEquals(32, expected090.spatialCompression());
        assertEquals(8, expected090.temporalCompression());
        assertEquals(fullSizeOriginal(Family.V0_9_1, 128, 128), VaeConfig.fromDiffusers(tinyToFullSize(Family.V0_9_1), "0.9.1"));

        // the 0.9.0 folder as first published (diffusers 0.32.0.dev0) lacks every key added later; diffusers fills
        // in its constructor defaults, which are the 0.9.0 values (config from Lightricks' diffusers_config_mapping.py)
        final JsonNode published = Json.parse("published", """
                {"_class_name": "AutoencoderKLLTXVideo", "_diffusers_version": "0.32.0.dev0",
                 "block_out_channels": [128, 256, 512, 512], "decoder_causal": false, "encoder_causal": true,
                 "in_channels": 3, "latent_channels": 128, "layers_per_block": [4, 3, 3, 3, 4], "out_channels": 3,
                 "patch_size": 4, "patch_size_t": 1, "resnet_norm_eps": 1e-06, "scaling_factor": 1.0,
                 "spatio_temporal_scaling": [true, true, true, false]}
                """);
        assertEquals(expected090, VaeConfig.fromDiffusers(published, "published"));
    }

    /** Spec §1.3, the 0.9.0 and 0.9.1 columns (diffusers' converter dicts). */
    @Test
    void legacyPrefixTablesMatchTheConverterColumns() {
        final List<String> encoder = List.of("down_blocks.0", "down_blocks.0.downsamplers.0", "down_blocks.0.conv_out",
                "down_blocks.1", "down_blocks.1.downsamplers.0", "down_blocks.1.conv_out", "down_blocks.2",
                "down_blocks.2.downsamplers.0", "down_blocks.3", "mid_block");
        assertEquals(table(encoder, List.of("mid_block", "up_blocks.0", "up_blocks.1.upsamplers.0", "up_blocks.1",
                "up_blocks.2.conv_in", "up_blocks.2.upsamplers.0", "up_blocks.2", "up_blocks.3.conv_in",
                "up_blocks.3.upsamplers.0", "up_blocks.3")), prefixes(Family.V0_9_0));
        assertEquals(table(encoder, List.of("mid_block", "up_blocks.0.upsamplers.0", "up_blocks.0", "up_blocks.1.upsamplers.0",
                "up_blocks.1", "up_blocks.2.upsamplers.0", "up_blocks.2")), prefixes(Family.V0_9_1));
    }

    private static List<KeyRenames.Rename> prefixes(final Family family) {
        final VaeConfig config = fullSizeOriginal(family, 128, 128);
        return KeyRenames.vaeLegacyBlockPrefixes(config.encoderBlocks(), config.decoderBlocks());
    }

    private static List<KeyRenames.Rename> table(final List<String> encoder, final List<String> decoder) {
        final List<KeyRenames.Rename> out = new ArrayList<>();
        for (int i = 0; i < encoder.size(); i++) {
            out.add(new KeyRenames.Rename("encoder.down_blocks." + i + ".", "encoder." + encoder.get(i) + "."));
        }
        for (int i = 0; i < decoder.size(); i++) {
            out.add(new KeyRenames.Rename("decoder.up_blocks." + i + ".", "decoder." + decoder.get(i) + "."));
        }
        return out;
    }

    @Test
    void unknownDownBlockTypeIsUnsupported() {
        final ObjectNode node = (ObjectNode) Json.parse("x", Family.V0_9_0.diffusersConfig());
        final ArrayNode types = node.putArray("down_block_types");
        types.add("LTXVideoDownBlock3D").add("LTXVideoDownBlock3D").add("MysteryDownBlock").add("LTXVideoDownBlock3D");
        final LtxException e = assertThrows(LtxException.class, () -> VaeConfig.fromDiffusers(node, "vae/config.json"));
        assertEquals(LtxErrorCode.UNSUPPORTED, e.code());
        assertEquals("vae/config.json: down_block_types [LTXVideoDownBlock3D, LTXVideoDownBlock3D, MysteryDownBlock, "
                + "LTXVideoDownBlock3D] is not a known LTX-Video VAE; every entry must be LTXVideoDownBlock3D (0.9.0, 0.9.1) "
                + "or LTXVideo095DownBlock3D (0.9.5 and later)", e.getMessage());
    }

    @Test
    void unknownDownBlockTypeInAFolderFailsOnOpen(@TempDir final Path dir) throws IOException {
        final Path folder = LegacyVaeCheckpoints.write(Family.V0_9_0, dir, 3).diffusersFolder();
        Files.writeString(folder.resolve("vae/config.json"), Family.V0_9_0.diffusersConfig()
                .replace("\"LTXVideoDownBlock3D\", \"LTXVideoDownBlock3D\", \"LTXVideoDownBlock3D\", \"LTXVideoDownBlock3D\"",
                        "\"LTX2VideoDownBlock3D\""));
        final LtxException e = assertThrows(LtxException.class, () -> LtxCheckpoint.open(folder));
        assertEquals(LtxErrorCode.UNSUPPORTED, e.code());
        assertEquals("vae/config.json: down_block_types [LTX2VideoDownBlock3D] is not a known LTX-Video VAE; every entry "
                + "must be LTXVideoDownBlock3D (0.9.0, 0.9.1) or LTXVideo095DownBlock3D (0.9.5 and later)", e.getMessage());
    }

    /** The family's diffusers config at the released widths (the converter's get_vae_config). */
    private static JsonNode tinyToFullSize(final Family family) {
        final ObjectNode node = (ObjectNode) Json.parse(family.name(), family.diffusersConfig());
        node.put("latent_channels", 128);
        final ArrayNode channels = node.putArray("block_out_channels");
        channels.add(128).add(256).add(512).add(512);
        final ArrayNode decoder = node.putArray("decoder_block_out_channels");
        if (family == Family.V0_9_0) {
            decoder.add(128).add(256).add(512).add(512);
        } else {
            decoder.add(256).add(512).add(1024);
        }
        return node;
    }

    /** The release config: the family's block lists at 128 latent channels and base widths of 128. */
    private static VaeConfig fullSizeOriginal(final Family family, final int encoderBase, final int decoderBase) {
        final ObjectNode node = (ObjectNode) Json.parse(family.name(), family.originalConfig());
        node.put("latent_channels", 128);
        node.remove("encoder_base_channels");
        node.remove("decoder_base_channels");
        final VaeConfig config = VaeConfig.fromOriginal(node, family.name());
        assertEquals(encoderBase, config.encoderBaseChannels());
        assertEquals(decoderBase, config.decoderBaseChannels());
        return config;
    }
}
