package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;

/** {@code ltx run vae-decode} and {@code vae-encode} reproduce the VAE fixtures from both checkpoint layouts. */
class VaeRunTest {
    @TempDir
    Path dir;

    private TensorBundle run(final String component, final String model, final Path inputs) {
        final Path out = dir.resolve(component + ".safetensors");
        final CliHarness.Result result = CliHarness.run("run", component, "--model", CliHarness.fixture(model).toString(),
                "--inputs", inputs.toString(), "--output", out.toString());
        assertEquals(0, result.exitCode(), result.err());
        return SafeTensors.read(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void decodeReproducesVideoAndFrames(final String model) {
        final TensorBundle fixture = SafeTensors.read(CliHarness.fixture("cases/vae_decode/inputs.safetensors"));
        final Path inputs = dir.resolve("decode-in.safetensors");
        SafeTensors.write(inputs, TensorBundle.of(Map.of("latents_normalized", fixture.get("latents_normalized"),
                "decode_timestep", fixture.get("decode_timestep"))));
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/vae_decode/outputs.safetensors"));
        final TensorBundle out = run("vae-decode", model, inputs);
        Parity.assertClose(expected.get("video"), out.get("video"), model + " video");
        Parity.assertFrames(expected.get("frames_uint8_round"), out.get("frames_uint8"), model + " frames");
    }

    @ParameterizedTest
    @ValueSource(strings = {"model/ltxv-tiny.safetensors", "model/diffusers"})
    void encodeReproducesLatents(final String model) {
        final TensorBundle expected = SafeTensors.read(CliHarness.fixture("cases/vae_encode/outputs.safetensors"));
        final TensorBundle out = run("vae-encode", model, CliHarness.fixture("cases/vae_encode/inputs.safetensors"));
        Parity.assertClose(expected.get("latent_mean"), out.get("latent_mean"), model + " latent_mean");
        Parity.assertClose(expected.get("latents_normalized"), out.get("latents_normalized"), model + " latents_normalized");
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 8})
    void encodeRejectsFrameCountsNotOfTheForm8NPlus1(final int frames) {
        final Path inputs = dir.resolve("bad.safetensors");
        SafeTensors.write(inputs, TensorBundle.of(Map.of("video", Tensor.ofFloats(new long[] {1, 3, frames, 32, 32},
                new float[3 * frames * 32 * 32]))));
        final CliHarness.Result result = CliHarness.run("run", "vae-encode", "--model", CliHarness.fixture("model/ltxv-tiny.safetensors")
                .toString(), "--inputs", inputs.toString(), "--output", dir.resolve("o.safetensors").toString());
        assertEquals(2, result.exitCode());
        assertEquals("ltx: vae-encode: video has " + frames + " frames; frames must be 8N+1 (1, 9, 17, ...)\n", result.err());
    }
}
