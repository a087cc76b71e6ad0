package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.tensor.TensorStats;

class RunCommandTest {
    @TempDir
    Path dir;

    private String model() {
        return CliHarness.fixture("model/ltxv-tiny.safetensors").toString();
    }

    @Test
    void unknownComponentFailsBeforeLoadingAnything() {
        final CliHarness.Result r = CliHarness.run("run", "decoder", "--model", "/nope", "--inputs", "/nope", "--output", "x");
        assertEquals(2, r.exitCode());
        assertEquals("ltx: unknown component 'decoder' (expected one of: text-encoder, transformer, vae-decode, vae-encode, upsample)\n",
                r.err());
    }

    @Test
    void anOutputThatCannotBeWrittenFailsBeforeTheModelRuns() throws Exception {
        final Path file = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "not a folder");
        final CliHarness.Result r = CliHarness.run("run", "vae-decode", "--model", model(), "--inputs", "/nope",
                "--output", file.resolve("out.safetensors").toString());
        assertEquals(7, r.exitCode(), r.err());
        assertEquals("ltx: cannot write safetensors file " + file.resolve("out.safetensors") + ": " + file
                + " exists and is not a directory\n", r.err());
    }

    /**
     * fp8 on the cpu backend: the official fp8 checkpoint's transformer as the float8 Q/DQ graph, calibrated on this
     * call's inputs (ranges stored in the cache folder with the weights), within the fp8 gate of the reference output.
     */
    @Test
    void cpuBackendRunsTheFp8QdqTransformer() {
        final Path out = dir.resolve("out.safetensors");
        final Path cache = dir.resolve("cache");
        final CliHarness.Result r = CliHarness.run("run", "transformer", "--model",
                CliHarness.fixture("model/ltxv-tiny-fp8.safetensors").toString(), "--inputs",
                CliHarness.fixture("cases/fp8_transformer/inputs.safetensors").toString(), "--output", out.toString(),
                "--precision", "fp8", "--cache-dir", cache.toString());
        assertEquals(0, r.exitCode(), r.err());
        final Tensor expected = SafeTensors.read(CliHarness.fixture("cases/fp8_transformer/outputs.safetensors")).get("out");
        final double cosine = TensorStats.cosine(SafeTensors.read(out).get("out"), expected);
        assertTrue(cosine >= 0.99 && cosine < 1, "fp8 Q/DQ vs reference cosine " + cosine);
        assertTrue(cache.toFile().list((d, name) -> name.endsWith(".calibration.json")).length == 1, "calibration stored");
    }

    @Test
    void absentBackendsAreClearErrors() {
        final CliHarness.Result cuda = CliHarness.run("run", "transformer", "--model", "/nope", "--inputs", "/nope", "--output", "x",
                "--backend", "cuda");
        assertEquals(5, cuda.exitCode());
        assertEquals("ltx: backend 'cuda' is not available: this ONNX Runtime build has no CUDA execution provider (providers: [CPU]); "
                + "use the onnxruntime_gpu build with CUDA 12 and cuDNN 9\n", cuda.err());
        final CliHarness.Result trt = CliHarness.run("run", "transformer", "--model", "/nope", "--inputs", "/nope", "--output", "x",
                "--backend", "tensorrt");
        assertEquals("ltx: backend 'tensorrt' is not available: the optional trt-engines module is not on the class path\n", trt.err());
        final CliHarness.Result cudaBf16 = CliHarness.run("run", "transformer", "--model", "/nope", "--inputs", "/nope", "--output", "x",
                "--backend", "cuda", "--precision", "bf16");
        assertEquals("ltx: backend 'cuda' is not available: the cuda backend computes in fp32 in this release (graphs cast bf16/fp8 "
                + "weights to fp32); use --precision fp32\n", cudaBf16.err());
        final CliHarness.Result precision = CliHarness.run("run", "transformer", "--model", "/nope", "--inputs", "/nope",
                "--output", "x", "--precision", "int4");
        assertEquals("ltx: unknown precision 'int4' (expected auto, fp32, int8, bf16 or fp8)\n", precision.err());
    }

    @Test
    void missingInputTensorNamesTensorAndShape() {
        final Path inputs = dir.resolve("in.safetensors");
        SafeTensors.write(inputs, TensorBundle.of(Map.of("hidden_states", Tensor.ofFloats(new long[] {1, 2, 16}, new float[32]))));
        final CliHarness.Result r = CliHarness.run("run", "transformer", "--model", model(), "--inputs", inputs.toString(),
                "--output", dir.resolve("out.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertEquals("ltx: transformer: missing input tensor 'encoder_hidden_states' (expected shape [B, L, 24])\n", r.err());
    }

    @Test
    void misshapedInputNamesExpectedAndFoundShape() {
        final Path inputs = dir.resolve("in.safetensors");
        SafeTensors.write(inputs, TensorBundle.of(Map.of("latents_normalized", Tensor.ofFloats(new long[] {1, 8, 2, 2, 3}, new float[96]))));
        final CliHarness.Result r = CliHarness.run("run", "vae-decode", "--model", model(), "--inputs", inputs.toString(),
                "--output", dir.resolve("out.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertEquals("ltx: vae-decode: input 'latents_normalized' has shape [1, 8, 2, 2, 3], expected [B, 16, F, h, w]\n", r.err());
    }

    @Test
    void symbolsMustAgreeAcrossInputs() {
        final Path inputs = dir.resolve("in.safetensors");
        SafeTensors.write(inputs, TensorBundle.of(Map.of(
                "input_ids", Tensor.ofLongs(new long[] {1, 4}, new long[4]),
                "attention_mask", Tensor.ofLongs(new long[] {1, 5}, new long[5]))));
        final CliHarness.Result r = CliHarness.run("run", "text-encoder", "--model", CliHarness.fixture("model/diffusers").toString(),
                "--inputs", inputs.toString(), "--output", dir.resolve("out.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertEquals("ltx: text-encoder: input 'attention_mask' has shape [1, 5], expected [B, L] with B=1, L=4\n", r.err());
    }

    @Test
    void nonFiniteInputIsRejected() {
        final Path inputs = dir.resolve("in.safetensors");
        final float[] latents = new float[96 * 2];
        latents[5] = Float.NaN;
        SafeTensors.write(inputs, TensorBundle.of(Map.of(
                "latents_normalized", Tensor.ofFloats(new long[] {1, 16, 2, 2, 3}, latents),
                "decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {0.05f}))));
        final CliHarness.Result r = CliHarness.run("run", "vae-decode", "--model", model(), "--inputs", inputs.toString(),
                "--output", dir.resolve("out.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertEquals("ltx: tensor 'latents_normalized' holds NaN at flat index 5; every value must be finite\n", r.err());
    }

    @Test
    void promptOnlyForTextEncoderAndInputsRequired() {
        final CliHarness.Result prompt = CliHarness.run("run", "transformer", "--model", model(), "--prompt", "hi", "--output", "x");
        assertEquals(2, prompt.exitCode());
        assertEquals("ltx: --prompt applies to the text-encoder component only\n", prompt.err());
        final CliHarness.Result none = CliHarness.run("run", "vae-encode", "--model", model(), "--output", "x");
        assertEquals("ltx: --inputs is required\n", none.err());
    }
}
