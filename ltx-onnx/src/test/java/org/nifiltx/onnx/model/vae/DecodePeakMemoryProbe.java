package org.nifiltx.onnx.model.vae;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.layers.Conv;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Run in a JVM of its own by {@link VaeDecodePeakMemoryTest}: decodes seeded latents [1, C, F, h, w] with the
 * fixture model and prints this process's resident set before the decode ({@code VmRSS}, kB, once the session is open
 * and the peak reset) and its peak after it ({@code VmHWM}). Each decode runs in a fresh process, so that nothing of an
 * earlier one (ONNX Runtime's arena, the heap) is reused.
 *
 * <p>Arguments: F, h, w, then {@code none} or a budget in bytes for {@link DecodeTiling#forBudget}, then optionally
 * {@code int8}: every bulk convolution int8 ({@link Conv#withInt8MinMacs}, calibrated when the session opens) or
 * {@code fp32}, then optionally another model (file or folder: the real-width measurements of
 * {@link org.nifiltx.core.memory.VaeDecodeMemory}).
 */
public final class DecodePeakMemoryProbe {
    private DecodePeakMemoryProbe() {
    }

    public static void main(final String[] args) throws IOException {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(args.length > 5 ? Path.of(args[5])
                : VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        final long[] shape = {1, checkpoint.vaeConfig().latentChannels(), Long.parseLong(args[0]), Long.parseLong(args[1]),
                Long.parseLong(args[2])};
        final boolean int8 = args.length > 4 && args[4].equals("int8");
        final DecodeTiling tiling = args[3].equals("none") ? DecodeTiling.NONE
                : DecodeTiling.forBudget(Long.parseLong(args[3]), checkpoint.vaeConfig(), int8, shape);
        final TensorBundle inputs = seededInputs(shape);
        final NumericPolicy policy = int8 ? NumericPolicy.of(Precision.INT8) : NumericPolicy.fp32();
        try (VaeDecoderRunner runner = Conv.withInt8MinMacs(int8 ? 0 : Conv.INT8_MIN_MACS,
                () -> VaeDecoderRunner.open(checkpoint, SessionConfig.cpu(), tiling, policy))) {
            System.gc();
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            final long before = kilobytes("VmRSS:");
            final Tensor video = runner.run(inputs).get("video");
            final long after = kilobytes("VmHWM:");
            System.out.println("tiling=" + tiling + " video=" + Tensor.shapeString(video.shape()) + " before="
                    + before + " after=" + after);
        }
    }

    /** Seeded standard-normal latents of {@code shape} and decode timestep 0.05. */
    static TensorBundle seededInputs(final long[] shape) {
        final Random random = new Random(7);
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return TensorBundle.of(Map.of("latents_normalized", Tensor.ofFloats(shape, values),
                "decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {0.05f})));
    }

    private static long kilobytes(final String field) throws IOException {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
