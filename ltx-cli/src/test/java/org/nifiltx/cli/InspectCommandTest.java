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
