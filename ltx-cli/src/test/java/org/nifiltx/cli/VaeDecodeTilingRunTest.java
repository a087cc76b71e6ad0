package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.model.vae.DecodeTiling;
import org.nifiltx.onnx.model.vae.VaeDecoderRunner;
import org.nifiltx.onnx.runtime.SessionConfig;

/** {@code ltx run vae-decode --tile / --memory-budget} decode as the runner does with the same tiling. */
class VaeDecodeTilingRunTest {
    @TempDir
    Path dir;

    private Path inputs;
    private TensorBundle fixture;

    @BeforeEach
    void writeInputs() {
        final TensorBundle all = SafeTensors.read(CliHarness.fixture("cases/vae_decode/inputs.safetensors"));
        fixture = TensorBundle.of(Map.of("latents_normalized", all.get("latents_normalized"), "decode_timestep",
                all.get("decode_timestep")));
        inputs = dir.resolve("decode-in.safetensors");
        SafeTensors.write(inputs, fixture);
    }

    private CliHarness.Result decode(final String... options) {
        final String[] base = {"run", "vae-decode", "--model", CliHarness.fixture("model/ltxv-tiny.safetensors")
            .toString(), "--inputs", inputs.toString(), "--output", dir.resolve("out.safetensors").toString()};
        final String[] args = new String[base.length + options.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(options, 0, args, base.length, options.length);
        return CliHarness.run(args);
    }

    private static float[] inProcess(final TensorBundle in, final DecodeTiling tiling) {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(CliHarness.fixture("model/ltxv-tiny.safetensors"));
        try (VaeDecoderRunner runner = VaeDecoderRunner.open(checkpoint, SessionConfig.cpu(), tiling)) {
            return runner.run(in).get("video").toFloatArray();
        }
    }

    @Test
    void explicitTileSizeDecodesInSquareTiles() {
        final CliHarness.Result result = decode("--tile", "64");
        assertEquals(0, result.exitCode(), result.err());
        final float[] video = SafeTensors.read(dir.resolve("out.safetensors")).get("video").toFloatArray();
        assertArrayEquals(inProcess(fixture, new DecodeTiling(64, 64, 32, 32)), video);
        assertNotEquals(0, Arrays.compare(inProcess(fixture, DecodeTiling.NONE), video));
    }

    @Test
    void smallMemoryBudgetTilesAutomatically() {
        final CliHarness.Result result = decode("--memory-budget", "1");
        assertEquals(0, result.exitCode(), result.err());
        final DecodeTiling chosen = DecodeTiling.forBudget(1L << 20,
                LtxCheckpoint.open(CliHarness.fixture("model/ltxv-tiny.safetensors")).vaeConfig(),
                fixture.get("latents_normalized").shape());
        assertNotEquals(DecodeTiling.NONE, chosen);
        assertArrayEquals(inProcess(fixture, chosen),
                SafeTensors.read(dir.resolve("out.safetensors")).get("video").toFloatArray());
    }

    @Test
    void noTilingDecodesWhole() {
        final CliHarness.Result result = decode("--tile", "none");
        assertEquals(0, result.exitCode(), result.err());
        assertArrayEquals(inProcess(fixture, DecodeTiling.NONE),
                SafeTensors.read(dir.resolve("out.safetensors")).get("video").toFloatArray());
    }

    @Test
    void invalidTilingOptionsAreRefused() {
        final CliHarness.Result size = decode("--tile", "48");
        assertEquals(2, size.exitCode());
        assertEquals("ltx: vae-decode: tile size 48 must be a positive multiple of 32 pixels\n", size.err());
        final CliHarness.Result word = decode("--tile", "big");
        assertEquals(2, word.exitCode());
        assertEquals("ltx: --tile must be auto, none or a size in pixels, got 'big'\n", word.err());
        final CliHarness.Result budget = decode("--tile", "none", "--memory-budget", "100");
        assertEquals(2, budget.exitCode());
        assertEquals("ltx: --memory-budget applies to --tile auto only\n", budget.err());
    }
}
