package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

class RawBundleTest {
    @TempDir
    Path directory;

    @Test
    void framesAndExtrasComeBackIdentical() {
        final Tensor frames = TestFrames.noise(2, 6, 4, 5);
        final Tensor latents = Tensor.ofFloats(new long[] {1, 2, 1, 1, 2}, new float[] {0.5f, -1f, 2f, 3.25f});
        final Path output = directory.resolve("out.safetensors");

        assertEquals(VideoFormat.RAW_BUNDLE, VideoWriter.write(output, frames, 24000.0 / 1001.0,
                Map.of("latents", latents)));
        final TensorBundle bundle = SafeTensors.read(output);

        assertEquals(List.of("frames_uint8", "latents"), List.copyOf(bundle.names()));
        final Tensor readFrames = bundle.get("frames_uint8");
        assertEquals(DType.U8, readFrames.dtype());
        assertArrayEquals(new long[] {2, 4, 6, 3}, readFrames.shape());
        assertArrayEquals(frames.toByteArray(), readFrames.toByteArray());
        assertEquals(DType.F32, bundle.get("latents").dtype());
        assertArrayEquals(latents.shape(), bundle.get("latents").shape());
        assertArrayEquals(latents.toByteArray(), bundle.get("latents").toByteArray());
        assertEquals(new FrameRate(24000, 1001), VideoReader.read(output).frameRate());
    }
}
