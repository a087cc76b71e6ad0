package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
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
}
