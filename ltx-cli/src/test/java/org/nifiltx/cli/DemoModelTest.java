package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.video.DecodedVideo;
import org.nifiltx.core.video.VideoReader;

class DemoModelTest {
    @TempDir
    Path dir;

    /** Names and shapes of one component file, sorted by name. */
    private static Map<String, String> shapes(final Path file) {
        final Map<String, String> shapes = new TreeMap<>();
        for (final SafeTensors.Entry entry : SafeTensors.readHeader(file).entries()) {
            shapes.put(entry.name(), entry.dtype() + Arrays.toString(entry.shape()));
        }
        return shapes;
    }

    @Test
    void demoFolderHasTheFixtureLayoutAndIsDeterministic() throws IOException {
        final Path first = dir.resolve("first");
        final Path second = dir.resolve("second");
        DemoModel.writeTo(first);
        DemoModel.writeTo(second);
        for (final String file : new String[] {"transformer/diffusion_pytorch_model.safetensors",
            "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"}) {
            assertEquals(shapes(CliHarness.fixture("model/diffusers/" + file)), shapes(first.resolve(file)), file);
            assertArrayEquals(Files.readAllBytes(first.resolve(file)), Files.readAllBytes(second.resolve(file)), file);
        }
        final ObjectMapper json = new ObjectMapper();
        for (final String file : new String[] {"model_index.json", "scheduler/scheduler_config.json", "transformer/config.json",
            "vae/config.json", "text_encoder/config.json"}) {
            assertEquals(json.readTree(CliHarness.fixture("model/diffusers/" + file).toFile()), json.readTree(first.resolve(file).toFile()),
                    file);
        }
        assertArrayEquals(Files.readAllBytes(CliHarness.fixture("model/diffusers/tokenizer/spiece.model")),
                Files.readAllBytes(first.resolve("tokenizer/spiece.model")));
    }

    @Test
    void demoModelGeneratesAnMp4ThatDecodes() {
        final Path output = dir.resolve("demo.mp4");
        final CliHarness.Result result = CliHarness.run("generate", "--model", "demo", "--prompt", "a red fox in the snow",
                "--output", output.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().startsWith("ltx: --model demo is a tiny random-weight model built in; its output is noise, "
                + "not the prompt\n"), result.err());
        assertTrue(result.err().contains("denoise: step 7/7"), result.err());
        final DecodedVideo video = VideoReader.read(output);
        assertEquals(GenerateCommand.DEMO_FRAMES, video.frameCount());
        assertEquals(GenerateCommand.DEMO_HEIGHT, video.height());
        assertEquals(GenerateCommand.DEMO_WIDTH, video.width());
    }

    /** Regression: {@code --steps 1} made the terminal stretch divide 0 by 0 ("tensor 'timestep' holds NaN"). */
    @Test
    void oneStepGeneratesAVideo() {
        final Path output = dir.resolve("one-step.mp4");
        final CliHarness.Result result = CliHarness.run("generate", "--model", "demo", "--prompt", "a red fox in the snow",
                "--steps", "1", "--output", output.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains("denoise: step 1/1"), result.err());
        assertEquals(GenerateCommand.DEMO_FRAMES, VideoReader.read(output).frameCount());
    }
}
