package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** No timing is asserted: the bench runs every stage of the tiny model and reports well-formed, positive numbers. */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FIELDS = List.of("stage", "median_ms", "min_ms", "max_ms", "setup_ms", "repeat", "shape",
            "peak_rss_mb", "rss_growth_mb", "output", "reference", "cosine", "max_rel_err", "impl", "backend", "precision",
            "precision_requested", "threads", "cpus");
    private static final String[] SMALL = {"--frames", "9", "--height", "64", "--width", "96", "--text-len", "16"};

    private static String tiny(final String relative) {
        return CliHarness.fixture(relative).toString();
    }

    private static CliHarness.Result bench(final String... args) {
        final List<String> all = new ArrayList<>(List.of("bench"));
        all.addAll(List.of(args));
        return CliHarness.run(all.toArray(String[]::new));
    }

    private static List<JsonNode> jsonLines(final CliHarness.Result result) throws Exception {
        final List<JsonNode> lines = new ArrayList<>();
        for (final String line : result.out().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void everyStageOfTheTinyModelPrintsOneCompleteJsonLine() throws Exception {
        final List<String> args = new ArrayList<>(List.of("--model", tiny("model/diffusers"), "--upsampler",
                tiny("model/latent_upsampler"), "--stage", "all", "--repeat", "1", "--steps", "2", "--json", "--precision", "fp32"));
        args.addAll(List.of(SMALL));
        final CliHarness.Result result = bench(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        final List<JsonNode> lines = jsonLines(result);
        assertEquals(List.of("text-encoder", "transformer", "vae-encode", "vae-decode", "upsample", "pipeline"),
                lines.stream().map(l -> l.get("stage").asText()).toList(), result.out());
        for (final JsonNode line : lines) {
            for (final String field : FIELDS) {
                assertTrue(line.has(field), field + " missing in " + line);
            }
            for (final String time : List.of("median_ms", "min_ms", "max_ms", "setup_ms", "peak_rss_mb")) {
                assertTrue(line.get(time).asDouble() > 0, time + " in " + line);
            }
            assertTrue(line.get("min_ms").asDouble() <= line.get("median_ms").asDouble()
                    && line.get("median_ms").asDouble() <= line.get("max_ms").asDouble(), line.toString());
            assertEquals("fp32", line.get("precision").asText());
            assertTrue(line.get("cosine").isNull(), "fp32 is its own reference: " + line);
        }
        final JsonNode transformer = lines.get(1);
        assertEquals(2, transformer.get("shape").get("batch").asInt());
        assertEquals(12, transformer.get("shape").get("tokens").asInt());
        assertEquals(16, transformer.get("shape").get("text_len").asInt());
        assertEquals("[1,16,2,2,3]", lines.get(3).get("shape").get("latents").toString());
        final JsonNode pipeline = lines.get(5);
        for (final String part : List.of("encode", "denoise", "decode")) {
            assertTrue(pipeline.get("stages_ms").get(part).asDouble() > 0, pipeline.toString());
        }
        assertEquals(2, pipeline.get("shape").get("steps").asInt());
        assertTrue(pipeline.get("total_ms").asDouble() > 0);
    }

    @Test
    void allMeansTheStagesTheModelHas() throws Exception {
        final List<String> args = new ArrayList<>(List.of("--model", tiny("model/ltxv-tiny.safetensors"), "--repeat", "1", "--json"));
        args.addAll(List.of(SMALL));
        final CliHarness.Result result = bench(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        assertEquals(List.of("transformer", "vae-encode", "vae-decode"),
                jsonLines(result).stream().map(l -> l.get("stage").asText()).toList());
    }

    @Test
    void stagesCanBeRepeatedAndPrintATable() {
        final List<String> args = new ArrayList<>(List.of("--model", tiny("model/diffusers"), "--stage", "vae-decode",
                "--stage", "text-encoder,vae-decode", "--repeat", "2", "--precision", "fp32"));
        args.addAll(List.of(SMALL));
        final CliHarness.Result result = bench(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        final String[] lines = result.out().split("\n");
        assertEquals(4, lines.length, result.out());
        assertTrue(lines[0].startsWith("backend cpu, precision fp32, threads "), lines[0]);
        assertTrue(lines[1].startsWith("stage "), lines[1]);
        assertTrue(lines[2].startsWith("vae-decode "), lines[2]);
        assertTrue(lines[3].startsWith("text-encoder "), lines[3]);
    }

    @Test
    void int8IsComparedWithFp32() throws Exception {
        final List<String> args = new ArrayList<>(List.of("--model", tiny("model/diffusers"), "--stage", "transformer",
                "--stage", "text-encoder", "--precision", "int8", "--repeat", "1", "--json"));
        args.addAll(List.of(SMALL));
        final CliHarness.Result result = bench(args.toArray(String[]::new));
        Assumptions.assumeFalse(result.exitCode() == 5 && result.err().contains("is not available"),
                "this backend has no int8 yet: " + result.err());
        assertEquals(0, result.exitCode(), result.err());
        for (final JsonNode line : jsonLines(result)) {
            assertEquals("int8", line.get("precision").asText());
            assertEquals("fp32", line.get("reference").asText());
            assertTrue(line.get("cosine").asDouble() > 0.9 && line.get("cosine").asDouble() <= 1.0, line.toString());
            assertTrue(line.get("max_rel_err").asDouble() >= 0 && line.get("max_rel_err").asDouble() < 1, line.toString());
        }
    }

    @Test
    void badShapesAndStagesAreOneLineErrors() {
        final String model = tiny("model/diffusers");
        assertError(2, "ltx: num-frames must be 8N+1 (1, 9, 17, ...), got 10", "--model", model, "--frames", "10");
        assertError(2, "ltx: height must be a positive multiple of 32, got 100", "--model", model, "--height", "100");
        assertError(2, "ltx: width must be a positive multiple of 32, got 0", "--width", "0");
        assertError(2, "ltx: unknown stage 'vae' (expected one of: text-encoder, transformer, vae-encode, vae-decode, upsample, "
                + "pipeline, all)", "--model", model, "--stage", "vae");
        assertError(2, "ltx: --stage vae-decode needs --model (without --model, bench times the random-weight transformer)",
                "--stage", "vae-decode");
        assertError(2, "ltx: --stage upsample needs --upsampler (a latent upsampler file or folder)", "--model", model,
                "--stage", "upsample");
        assertError(2, "ltx: --profile applies to the random-weight transformer (no --model)", "--model", model, "--profile");
        assertError(2, "ltx: repeat must be at least 1, got 0", "--repeat", "0");
        assertError(3, "ltx: model not found: /no/such/model.safetensors", "--model", "/no/such/model.safetensors");
    }

    private static void assertError(final int code, final String message, final String... args) {
        final CliHarness.Result result = bench(args);
        assertEquals(code, result.exitCode(), result.out() + result.err());
        assertEquals(message + "\n", result.err());
        assertEquals("", result.out());
    }

    @Test
    void randomWeightTransformerReportsOperatorProfileAndGemmShare() {
        final CliHarness.Result result = bench("--layers", "1", "--heads", "2", "--head-dim", "16", "--text", "8",
                "--frames", "1", "--height", "64", "--width", "64", "--runs", "1", "--profile", "--precision", "fp32");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().startsWith("transformer: 1 layers, 2 heads x 16, batch 2, 4 video tokens, 8 text tokens, ONNX_RUNTIME\n"),
                result.out());
        final Matcher share = Pattern.compile("GEMM share \\(MatMul/Gemm/FusedMatMul\\): ([0-9.]+) %").matcher(result.out());
        assertTrue(share.find(), result.out());
        final double gemm = Double.parseDouble(share.group(1));
        assertTrue(gemm > 0 && gemm <= 100, "share " + gemm);
        final Matcher rows = Pattern.compile("\\n  (\\S+) +[0-9.]+ ms +([0-9.]+) %").matcher(result.out());
        double total = 0;
        boolean sawMatMul = false;
        while (rows.find()) {
            total += Double.parseDouble(rows.group(2));
            sawMatMul |= rows.group(1).equals("MatMul");
        }
        assertTrue(sawMatMul, result.out());
        assertEquals(100.0, total, 1.0, result.out());
    }

    @Test
    void randomWeightTransformerPrintsOneJsonLine() throws Exception {
        final CliHarness.Result result = bench("--layers", "1", "--heads", "2", "--head-dim", "16", "--text-len", "8",
                "--frames", "9", "--height", "64", "--width", "64", "--repeat", "2", "--json", "--profile");
        assertEquals(0, result.exitCode(), result.err());
        final List<JsonNode> lines = jsonLines(result);
        assertEquals(1, lines.size(), result.out());
        final JsonNode line = lines.get(0);
        for (final String field : FIELDS) {
            assertTrue(line.has(field), field + " missing in " + line);
        }
        assertEquals("random-2b-topology", line.get("model").asText());
        assertEquals(8, line.get("shape").get("tokens").asInt());
        assertEquals(2, line.get("repeat").asInt());
        assertTrue(line.get("gemm_share_pct").asDouble() > 0, line.toString());
        assertTrue(line.get("operator_ms").has("MatMul"), line.toString());
    }

    @Test
    void randomWeightTransformerInInt8ReportsItsErrorAgainstFp32() throws Exception {
        final CliHarness.Result result = bench("--layers", "1", "--heads", "2", "--head-dim", "16", "--text-len", "8",
                "--frames", "9", "--height", "64", "--width", "64", "--repeat", "1", "--json", "--precision", "int8");
        assertEquals(0, result.exitCode(), result.err());
        final JsonNode line = jsonLines(result).get(0);
        assertEquals("int8", line.get("precision").asText());
        assertEquals("fp32", line.get("reference").asText());
        // the int8 gate of the transformer stage (Int8QualityGateTest): cosine >= 0.999 against the fp32 graph
        assertTrue(line.get("cosine").asDouble() >= 0.999 && line.get("cosine").asDouble() <= 1.0 + 1e-9, line.toString());
        assertTrue(line.get("max_rel_err").asDouble() < 0.1, line.toString());
    }

    @Test
    void autoPrecisionIsReportedAsRequestedAndResolved() throws Exception {
        final CliHarness.Result result = bench("--layers", "1", "--heads", "2", "--head-dim", "16", "--text-len", "8",
                "--frames", "9", "--height", "64", "--width", "64", "--repeat", "1", "--json");
        assertEquals(0, result.exitCode(), result.err());
        final JsonNode line = jsonLines(result).get(0);
        assertEquals("auto", line.get("precision_requested").asText());
        assertEquals(org.nifiltx.core.backend.Precision.AUTO.resolve(org.nifiltx.core.backend.CpuFeatures.detect()).label(),
                line.get("precision").asText());
    }
}
