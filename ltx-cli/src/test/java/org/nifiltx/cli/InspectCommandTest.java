package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.testing.TinyFixtures;

class InspectCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode inspect(final Path model) throws IOException {
        final CliHarness.Result result = CliHarness.run("inspect", "--model", model.toString(), "--json");
        assertEquals(0, result.exitCode(), result.err());
        return JSON.readTree(result.out());
    }

    @Test
    void bothLayoutsPrintIdenticalDimensionsThatMatchTheConfigs() throws IOException {
        final JsonNode single = inspect(CliHarness.fixture("model/ltxv-tiny.safetensors"));
        final JsonNode diffusers = inspect(CliHarness.fixture("model/diffusers"));
        assertEquals("single-file", single.get("layout").asText());
        assertEquals("diffusers", diffusers.get("layout").asText());
        final JsonNode expectedConfig = JSON.readTree(Files.readString(CliHarness.fixture("model/diffusers/transformer/config.json")));
        final JsonNode transformer = single.get("transformer");
        assertEquals(expectedConfig.get("num_layers").asInt(), transformer.get("layers").asInt());
        assertEquals(expectedConfig.get("num_attention_heads").asInt(), transformer.get("heads").asInt());
        assertEquals(expectedConfig.get("attention_head_dim").asInt(), transformer.get("head_dim").asInt());
        assertEquals(expectedConfig.get("in_channels").asInt(), transformer.get("in_channels").asInt());
        assertEquals(expectedConfig.get("out_channels").asInt(), transformer.get("out_channels").asInt());
        assertEquals(expectedConfig.get("caption_channels").asInt(), transformer.get("caption_channels").asInt());
        assertEquals(expectedConfig.get("cross_attention_dim").asInt(), transformer.get("cross_attention_dim").asInt());
        assertEquals("[1,1,1]", transformer.get("patch_size").toString());
        // 2 layers: per block 8 attention linears (32x32 + 32) + 4 norms (32) + ff (128x32+128 + 32x128+32) + table 6x32,
        // plus patchify 16x32+32, adaln 256x32+32 + 32x32+32 + 32x192+192, caption 24x32+32 + 32x32+32, final 2x32, proj_out 32x16+16.
        final long perBlock = 8 * (32 * 32 + 32) + 4 * 32 + (128 * 32 + 128) + (32 * 128 + 32) + 6 * 32;
        final long rest = (16 * 32 + 32) + (256 * 32 + 32) + (32 * 32 + 32) + (32 * 192 + 192) + (24 * 32 + 32) + (32 * 32 + 32)
                + 2 * 32 + (32 * 16 + 16);
        assertEquals(2 * perBlock + rest, transformer.get("parameters").asLong());
        assertEquals(transformer, diffusers.get("transformer"));
        final JsonNode vaeConfig = JSON.readTree(Files.readString(CliHarness.fixture("model/diffusers/vae/config.json")));
        assertEquals(vaeConfig.get("latent_channels").asInt(), single.get("vae").get("latent_channels").asInt());
        assertEquals(vaeConfig.get("patch_size").asInt(), single.get("vae").get("patch_size").asInt());
        assertEquals(vaeConfig.get("spatial_compression_ratio").asInt(), single.get("vae").get("spatial_compression").asInt());
        assertEquals(vaeConfig.get("temporal_compression_ratio").asInt(), single.get("vae").get("temporal_compression").asInt());
        // the diffusers converter drops three unused 16-wide statistics vectors, so only the parameter count differs
        final com.fasterxml.jackson.databind.node.ObjectNode singleVae = (com.fasterxml.jackson.databind.node.ObjectNode) single.get("vae").deepCopy();
        final com.fasterxml.jackson.databind.node.ObjectNode diffusersVae = (com.fasterxml.jackson.databind.node.ObjectNode) diffusers.get("vae").deepCopy();
        assertEquals(singleVae.remove("parameters").asLong() - 3 * 16, diffusersVae.remove("parameters").asLong());
        singleVae.remove("dtypes");
        diffusersVae.remove("dtypes");
        assertEquals(singleVae, diffusersVae);
        assertEquals(24, diffusers.get("text_encoder").get("d_model").asInt());
    }

    /**
     * The 13B topology (0.9.7 / 0.9.8) at real width, one block, in both layouts: the dimensions come from each
     * layout's own config keys, the graph reads every weight in the shape the checkpoint has, and the parameter count
     * is the 13B block's arithmetic.
     */
    @Test
    void a13bTopologyCheckpointShowsItsDimensionsInBothLayouts(@TempDir final Path dir) throws IOException {
        final Path[] models = Topology13bCheckpoints.both(dir);
        final JsonNode single = inspect(models[0]);
        final JsonNode diffusers = inspect(models[1]);
        final JsonNode t = single.get("transformer");
        assertEquals("{\"layers\":1,\"heads\":32,\"head_dim\":128,\"hidden_dim\":4096,\"in_channels\":128,"
                + "\"out_channels\":128,\"caption_channels\":4096,\"cross_attention_dim\":4096,\"patch_size\":[1,1,1],"
                + "\"rope_padding\":4,\"timestep_conditioning\":\"adaln-single x1000\"}",
                ((com.fasterxml.jackson.databind.node.ObjectNode) t.deepCopy()).retain("layers", "heads", "head_dim", "hidden_dim",
                        "in_channels", "out_channels", "caption_channels", "cross_attention_dim", "patch_size", "rope_padding",
                        "timestep_conditioning").toString());
        final long d = 4096;
        // per block: 8 attention linears d x d (+ bias; cross-attention reads 4096-wide captions = d), 4 q/k norms,
        // feed-forward d -> 4d -> d, the 6-row table; then patchify 128 -> d, timestep 256 -> d -> d, adaln d -> 6d,
        // caption 4096 -> d -> d, the final 2-row table and proj_out d -> 128
        final long block = 8 * (d * d + d) + 4 * d + (4 * d * d + 4 * d) + (4 * d * d + d) + 6 * d;
        final long rest = (128 * d + d) + (256 * d + d) + (d * d + d) + (6 * d * d + 6 * d) + (4096 * d + d) + (d * d + d)
                + 2 * d + (d * 128 + 128);
        assertEquals(block + rest, t.get("parameters").asLong());
        assertEquals("{\"BF16\":" + (block + rest) + "}", t.get("dtypes").toString());
        assertEquals("{\"required\":40,\"complete\":true,\"missing\":[],\"misshaped\":[]}", t.get("weights").toString());
        assertEquals(t, diffusers.get("transformer"));
        final CliHarness.Result text = CliHarness.run("inspect", "--model", models[1].toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("transformer:\n  layers: 1\n  heads: 32\n  head_dim: 128\n  hidden_dim: 4096\n"),
                text.out());
    }

    @Test
    void textOutputNamesEveryComponent() {
        final CliHarness.Result result = CliHarness.run("inspect", "--model", CliHarness.fixture("model/ltxv-tiny.safetensors").toString());
        assertEquals(0, result.exitCode());
        assertTrue(result.out().contains("layout: single-file\n"), result.out());
        assertTrue(result.out().contains("\n  layers: 2\n"), result.out());
        assertTrue(result.out().contains("\n  latent_channels: 16\n"), result.out());
    }

    @Test
    void aCompleteModelSaysSoPerComponent() throws IOException {
        final JsonNode diffusers = inspect(CliHarness.fixture("model/diffusers"));
        assertTrue(diffusers.get("complete").asBoolean());
        assertEquals("{\"required\":65,\"complete\":true,\"missing\":[],\"misshaped\":[]}",
                diffusers.get("transformer").get("weights").toString());
        assertEquals(59, diffusers.get("vae").get("decoder_weights").get("required").asInt());
        assertEquals(38, diffusers.get("vae").get("encoder_weights").get("required").asInt());
        assertEquals(21, diffusers.get("text_encoder").get("weights").get("required").asInt());
    }

    @Test
    void aCheckpointWithoutAWeightIsReportedAndExitsWithCode4(@TempDir final Path dir) throws IOException {
        final Path model = TinyFixtures.diffusersWithTransformer(dir, tensors -> tensors.remove("proj_out.weight"));
        final String error = "ltx: incomplete weights: transformer lacks 1 of 65 weights (proj_out.weight [16, 32])\n";
        final CliHarness.Result text = CliHarness.run("inspect", "--model", model.toString());
        assertEquals(4, text.exitCode(), text.err());
        assertEquals(error, text.err());
        assertTrue(text.out().contains("\ncomplete: false\n"), text.out());
        assertTrue(text.out().contains("\n  weights:\n    required: 65\n    complete: false\n    missing: [proj_out.weight [16, 32]]\n"
                + "    misshaped: []\nvae:\n"), text.out());
        final CliHarness.Result json = CliHarness.run("inspect", "--model", model.toString(), "--json");
        assertEquals(4, json.exitCode(), json.err());
        assertEquals(error, json.err());
        final JsonNode report = JSON.readTree(json.out());
        assertEquals(false, report.get("complete").asBoolean());
        assertEquals("[\"proj_out.weight [16, 32]\"]", report.get("transformer").get("weights").get("missing").toString());
        assertTrue(report.get("vae").get("decoder_weights").get("complete").asBoolean());
    }

    @Test
    void missingModelIsOneLineAndExitCode3() {
        final CliHarness.Result result = CliHarness.run("inspect", "--model", "/no/such/model.safetensors");
        assertEquals(3, result.exitCode());
        assertEquals("ltx: model not found: /no/such/model.safetensors\n", result.err());
    }

    @Test
    void corruptCheckpointIsOneLineWithoutStackTrace(@TempDir final Path dir) throws IOException {
        final Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        final CliHarness.Result result = CliHarness.run("inspect", "--model", bad.toString());
        assertEquals(4, result.exitCode());
        assertEquals("ltx: corrupt safetensors file " + bad + ": file is 3 bytes, too short for the 8-byte header length\n", result.err());
        final CliHarness.Result verbose = CliHarness.run("inspect", "--model", bad.toString(), "--verbose");
        assertTrue(verbose.err().contains("at org.nifiltx.core.safetensors.SafeTensors"), verbose.err());
    }

    @Test
    void unknownOptionIsAUsageError() {
        final CliHarness.Result result = CliHarness.run("inspect", "--model", "x", "--modle", "x");
        assertEquals(2, result.exitCode());
        assertEquals("ltx: Unknown options: '--modle', 'x'\n", result.err());
    }
}
