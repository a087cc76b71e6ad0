package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.testing.Parity;

class UpsampleRunTest {
    @Test
    void upsamplerReproducesTheFixture(@TempDir final Path dir) {
        final Path out = dir.resolve("up.safetensors");
        final CliHarness.Result result = CliHarness.run("run", "upsample", "--model", CliHarness.fixture("model/latent_upsampler").toString(),
                "--inputs", CliHarness.fixture("cases/latent_upsample/inputs.safetensors").toString(), "--output", out.toString());
        assertEquals(0, result.exitCode(), result.err());
        Parity.assertClose(SafeTensors.read(CliHarness.fixture("cases/latent_upsample/outputs.safetensors")).get("upsampled_raw"),
                SafeTensors.read(out).get("upsampled_raw"), "upsampled_raw");
    }

    @ParameterizedTest
    @CsvSource({"model/latent_upsampler_temporal, upsampled_raw", "model/latent_upsampler_spatiotemporal, upsampled_raw_spatiotemporal"})
    void temporalUpsamplersReproduceTheFixture(final String model, final String reference, @TempDir final Path dir) {
        final Path out = dir.resolve("up.safetensors");
        final CliHarness.Result result = CliHarness.run("run", "upsample", "--model", CliHarness.fixture(model).toString(),
                "--inputs", CliHarness.fixture("cases/temporal_upsample/inputs.safetensors").toString(), "--output", out.toString(),
                "--precision", "fp32");
        assertEquals(0, result.exitCode(), result.err());
        Parity.assertClose(SafeTensors.read(CliHarness.fixture("cases/temporal_upsample/outputs.safetensors")).get(reference),
                SafeTensors.read(out).get("upsampled_raw"), model);
    }

    @Test
    void generateWithATemporalUpsamplerMakesTheRequestedFrames(@TempDir final Path dir) {
        final String[] common = {"generate", "--prompt", "a red fox", "--model", CliHarness.fixture("model/diffusers").toString(),
            "--upsampler", CliHarness.fixture("model/latent_upsampler_temporal").toString(), "--height", "64", "--width", "96",
            "--max-length", "32", "--timesteps", "1.0,0.725", "--second-pass-timesteps", "0.725", "--precision", "fp32"};
        final Path out = dir.resolve("clip.safetensors");
        final List<String> args = new ArrayList<>(List.of(common));
        args.addAll(List.of("--num-frames", "17", "--output", out.toString()));
        final CliHarness.Result result = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.err());
        assertArrayEquals(new long[] {17, 64, 96, 3}, SafeTensors.read(out).get("frames_uint8").shape());
        assertArrayEquals(new long[] {1, 16, 3, 2, 3}, SafeTensors.read(out).get("latents").shape());

        final List<String> wrong = new ArrayList<>(List.of(common));
        wrong.addAll(List.of("--num-frames", "9", "--output", dir.resolve("wrong.safetensors").toString()));
        final CliHarness.Result refused = CliHarness.run(wrong.toArray(String[]::new));
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("ltx: num-frames must be 16N+1 (17, 33, 49, ...) with a temporal latent upsampler, which turns F latent "
                + "frames into 2F-1 (the first pass makes every other frame), got 9\n", refused.err());
    }
}
