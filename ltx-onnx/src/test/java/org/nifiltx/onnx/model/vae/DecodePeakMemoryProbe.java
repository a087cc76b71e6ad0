package org.nifiltx.onnx.model.vae;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Run in a JVM of its own by {@link VaeDecodePeakMemoryTest}: decodes seeded latents [1, 16, F, h, w] with the
 * fixture model and prints this process's peak resident set ({@code VmHWM}, kB) before and after the decode. The
 * peak is process-wide and only grows, so each decode needs a fresh process.
 *
 * <p>Arguments: F, h, w, then {@code none} or a budget in bytes for {@link DecodeTiling#forBudget}.
 */
public final class DecodePeakMemoryProbe {
    private DecodePeakMemoryProbe() {
    }

    public static void main(final String[] args) throws IOException {
        final long[] shape = {1, 16, Long.parseLong(args[0]), Long.parseLong(args[1]), Long.parseLong(args[2])};
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        final DecodeTiling tiling = args[3].equals("none") ? DecodeTiling.NONE
                : DecodeTiling.forBudget(Long.parseLong(args[3]), checkpoint.vaeConfig(), shape);
        final Random random = new Random(7);
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        final TensorBundle inputs = TensorBundle.of(Map.of("latents_normalized", Tensor.ofFloats(shape, values),
                "decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {0.05f})));
        try (VaeDecoderRunner runner = VaeDecoderRunner.open(checkpoint, SessionConfig.cpu(), tiling)) {
            final long before = peakKilobytes();
            final Tensor video = runner.run(inputs).get("video");
            final long after = peakKilobytes();
            System.out.println("tiling=" + tiling + " video=" + Tensor.shapeString(video.shape()) + " before="
                    + before + " after=" + after);
        }
    }

    private static long peakKilobytes() throws IOException {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }
}
