package org.nifiltx.onnx.model.vae;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.memory.VaeDecodeMemory;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.backend.OnnxRuntimeBackend;

/**
 * Probe (run by hand with the test classpath, one decode per fresh JVM): opens a model's VAE decoder through the ONNX
 * Runtime backend (as {@code ltx generate} does: weight cache, process budget), resets the peak resident set, decodes
 * seeded latents [1, C, F, h, w] once and prints the growth of the peak ({@code VmHWM} after − {@code VmRSS} before),
 * {@code RssAnon} before and after, the widest activation and {@link VaeDecodeMemory}'s estimate. The figures of
 * BENCHMARKS.md's "VAE decode per tile" come from it. Arguments: model folder, FP32|INT8, threads, F, h, w, budget in
 * MiB, weight cache folder.
 */
public final class VaeTilePeakProbe {
    private VaeTilePeakProbe() {
    }

    public static void main(final String[] args) throws IOException {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(Path.of(args[0]));
        final long[] shape = {1, checkpoint.vaeConfig().latentChannels(), Long.parseLong(args[3]), Long.parseLong(args[4]),
            Long.parseLong(args[5])};
        final BackendOptions options = new BackendOptions("cpu", Precision.valueOf(args[1]), Integer.parseInt(args[2]), 0,
                Path.of(args[7])).withMemoryBudget(Long.parseLong(args[6]) << 20);
        final TensorBundle inputs = DecodePeakMemoryProbe.seededInputs(shape);
        long t = System.nanoTime();
        try (ComponentRunner runner = new OnnxRuntimeBackend().vaeDecoder(checkpoint, options)) {
            System.out.println("open ms=" + (System.nanoTime() - t) / 1_000_000 + " tiling="
                    + ((VaeDecoderRunner) runner).tilingFor(inputs));
            System.gc();
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            final long[] before = status();
            t = System.nanoTime();
            final Tensor video = runner.run(inputs, "video");
            final long ms = (System.nanoTime() - t) / 1_000_000;
            final long[] after = status();
            final long est = VaeDecodeMemory.estimatePeakBytes(checkpoint.vaeConfig(), options.precision() == Precision.INT8,
                    1, shape[2], shape[3], shape[4]);
            final long widest = VaeDecodeMemory.widestActivation(checkpoint.vaeConfig(), shape[2], shape[3], shape[4]) * 4;
            System.out.printf("RESULT %s F=%d h=%d w=%d video=%s ms=%d rssBefore=%d hwmAfter=%d growthMB=%d anonAfter=%d"
                    + " anonBefore=%d widestMB=%d estMB=%d%n", args[1], shape[2], shape[3], shape[4],
                    Tensor.shapeString(video.shape()), ms, before[0] >> 10, after[1] >> 10, (after[1] - before[0]) >> 10,
                    after[2] >> 10, before[2] >> 10, widest >> 20, est >> 20);
        }
    }

    /** VmRSS, VmHWM, RssAnon in kB. */
    private static long[] status() throws IOException {
        final long[] out = new long[3];
        for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            final String[] names = {"VmRSS:", "VmHWM:", "RssAnon:"};
            for (int i = 0; i < 3; i++) {
                if (line.startsWith(names[i])) {
                    out[i] = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        return out;
    }
}
