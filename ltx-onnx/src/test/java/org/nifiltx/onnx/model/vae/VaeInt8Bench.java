package org.nifiltx.onnx.model.vae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nifiltx.core.checkpoint.VaeDecoderPlan;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.VaeBlock;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.runtime.ExecutionProvider;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Benchmark (not a test; run by hand with the test classpath): the 0.9.5-family VAE decoder at real width (128 latent
 * channels, res_x ×5 at 1024/512/256/128, three residual compress_all ×2 up blocks) with random kaiming-scaled weights,
 * decoding latents [1, 128, 2, 8, 12] → 9×256×384, fp32 vs int8 ({@link org.nifiltx.onnx.layers.Conv}): ms per
 * decode and cosine / max relative error of {@code video}. Arguments: [runs] [threads] [latent F h w].
 *
 * <p>Measured (2-core Intel Xeon with AVX-512 VNNI + AMX, 2 threads, shared machine, runs alternated): fp32 median
 * 4397 ms, int8 median 1805 ms (best 1691 ms), video cosine 0.999212, max relative error 4.27e-2; calibration (one
 * fp32 decode of [1, 128, 2, 8, 8] plus quantizing 553 M parameters) 7-10 s, once per checkpoint when cached. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -XX:MaxDirectMemorySize=16g -cp <test classpath>
 * org.nifiltx.onnx.model.vae.VaeInt8Bench 5 2}.
 */
public final class VaeInt8Bench {
    private VaeInt8Bench() {
    }

    /** The 0.9.5/0.9.7/0.9.8 VAE topology (ltx-spec §1.3). */
    static VaeConfig realConfig() {
        final List<VaeBlock> encoder = List.of(new VaeBlock("res_x", 4, 1, false, false),
                new VaeBlock("compress_space_res", 1, 2, false, false), new VaeBlock("res_x", 6, 1, false, false),
                new VaeBlock("compress_time_res", 1, 2, false, false), new VaeBlock("res_x", 6, 1, false, false),
                new VaeBlock("compress_all_res", 1, 2, false, false), new VaeBlock("res_x", 2, 1, false, false),
                new VaeBlock("compress_all_res", 1, 2, false, false), new VaeBlock("res_x", 2, 1, false, false));
        final List<VaeBlock> decoder = List.of(new VaeBlock("res_x", 5, 1, false, false),
                new VaeBlock("compress_all", 1, 2, true, false), new VaeBlock("res_x", 5, 1, false, false),
                new VaeBlock("compress_all", 1, 2, true, false), new VaeBlock("res_x", 5, 1, false, false),
                new VaeBlock("compress_all", 1, 2, true, false), new VaeBlock("res_x", 5, 1, false, false));
        return new VaeConfig(3, 3, 128, 4, 128, 128, encoder, decoder, true, false, "zeros", "uniform", "pixel_norm");
    }

    /** Random decoder weights: convs kaiming-uniform (std √(2/fan_in)), linears 1/√fan_in, small biases and tables. */
    static WeightStore randomDecoderWeights(final VaeConfig config, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<String, Tensor> w = new LinkedHashMap<>();
        final VaeDecoderPlan plan = VaeDecoderPlan.of(config);
        conv(w, random, "decoder.conv_in", config.latentChannels(), plan.convInChannels());
        for (final VaeDecoderPlan.Stage stage : plan.stages()) {
            final String scope = "decoder.up_blocks." + stage.index();
            final long c = stage.inChannels();
            if (stage.upsamples()) {
                conv(w, random, scope + ".conv", c, stage.convChannels());
            } else {
                linear(w, random, scope + ".time_embedder.timestep_embedder.linear_1", 256, 4 * c);
                linear(w, random, scope + ".time_embedder.timestep_embedder.linear_2", 4 * c, 4 * c);
                for (int j = 0; j < stage.block().numLayers(); j++) {
                    conv(w, random, scope + ".res_blocks." + j + ".conv1", c, c);
                    conv(w, random, scope + ".res_blocks." + j + ".conv2", c, c);
                    w.put(scope + ".res_blocks." + j + ".scale_shift_table", uniform(random, new long[] {4, c}, 0.1));
                }
            }
        }
        final long out = plan.outChannels();
        conv(w, random, "decoder.conv_out", out, 48);
        linear(w, random, "decoder.last_time_embedder.timestep_embedder.linear_1", 256, 2 * out);
        linear(w, random, "decoder.last_time_embedder.timestep_embedder.linear_2", 2 * out, 2 * out);
        w.put("decoder.last_scale_shift_table", uniform(random, new long[] {2, out}, 0.1));
        w.put("decoder.timestep_scale_multiplier", Tensor.ofFloats(new long[0], new float[] {1000f}));
        w.put("per_channel_statistics.mean-of-means", uniform(random, new long[] {128}, 0.2));
        final float[] std = new float[128];
        for (int i = 0; i < std.length; i++) {
            std[i] = (float) (0.5 + random.nextDouble());
        }
        w.put("per_channel_statistics.std-of-means", Tensor.ofFloats(new long[] {128}, std));
        return new WeightStore("vae", w);
    }

    private static void conv(final Map<String, Tensor> w, final SplittableRandom random, final String scope,
            final long in, final long out) {
        w.put(scope + ".conv.weight", uniform(random, new long[] {out, in, 3, 3, 3}, Math.sqrt(6.0 / (in * 27))));
        w.put(scope + ".conv.bias", uniform(random, new long[] {out}, 0.02));
    }

    private static void linear(final Map<String, Tensor> w, final SplittableRandom random, final String scope,
            final long in, final long out) {
        w.put(scope + ".weight", uniform(random, new long[] {out, in}, Math.sqrt(3.0 / in)));
        w.put(scope + ".bias", uniform(random, new long[] {out}, 0.02));
    }

    private static Tensor uniform(final SplittableRandom random, final long[] shape, final double bound) {
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return Tensor.ofFloats(shape, values);
    }

    public static void main(final String[] args) {
        final int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        final long[] latent = args.length > 4 ? new long[] {1, 128, Long.parseLong(args[2]), Long.parseLong(args[3]),
            Long.parseLong(args[4])} : new long[] {1, 128, 2, 8, 12};
        final SessionConfig session = new SessionConfig(ExecutionProvider.CPU, 0, threads, true);
        final VaeConfig config = realConfig();
        long t0 = System.nanoTime();
        final WeightStore weights = randomDecoderWeights(config, 1);
        System.out.printf("weights %d params in %d ms%n", weights.parameterCount(), (System.nanoTime() - t0) / 1_000_000);
        final SplittableRandom random = new SplittableRandom(99);
        final float[] z = new float[Math.toIntExact(Tensor.numel(latent))];
        for (int i = 0; i < z.length; i++) {
            // Box-Muller: standard-normal latents, a different draw from the calibration's
            z[i] = (float) (Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        final TensorBundle feeds = TensorBundle.of(Map.of("latents_normalized", Tensor.ofFloats(latent, z),
                "decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {0.05f})));
        final GraphBuilder fp32Graph = VaeGraphs.decoder(config, weights);
        t0 = System.nanoTime();
        final NumericPolicy int8 = NumericPolicy.of(Precision.INT8);
        final GraphBuilder int8Graph = VaeGraphs.decoderGraph(config, weights, int8, session).graph();
        System.out.printf("int8 graph with calibration in %d ms; %d tensors computed%n",
                (System.nanoTime() - t0) / 1_000_000, int8.weights().computed().size());
        // fp32 and int8 runs alternate, so that load from other processes falls on both alike
        try (OnnxSession fp32 = OnnxSession.create(fp32Graph, session);
                OnnxSession quantized = OnnxSession.create(int8Graph, session)) {
            final float[] reference = fp32.run(feeds).get("video").toFloatArray();
            final float[] video = quantized.run(feeds).get("video").toFloatArray();
            final List<Long> fp32Ms = new ArrayList<>();
            final List<Long> int8Ms = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                fp32Ms.add(timed(fp32, feeds));
                int8Ms.add(timed(quantized, feeds));
            }
            System.out.printf("fp32 runs %s ms, median %d ms%n", fp32Ms, median(fp32Ms));
            System.out.printf("int8 runs %s ms, median %d ms; %s%n", int8Ms, median(int8Ms), compare(video, reference));
        }
    }

    private static long timed(final OnnxSession session, final TensorBundle feeds) {
        final long start = System.nanoTime();
        session.run(feeds);
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long median(final List<Long> ms) {
        final long[] sorted = ms.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    static float[] time(final String label, final GraphBuilder graph, final TensorBundle feeds,
            final SessionConfig config, final int runs, final float[] reference) {
        final long t0 = System.nanoTime();
        try (OnnxSession session = OnnxSession.create(graph, config)) {
            System.out.printf("%s session in %d ms%n", label, (System.nanoTime() - t0) / 1_000_000);
            float[] video = session.run(feeds).get("video").toFloatArray();
            final List<Long> ms = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                final long start = System.nanoTime();
                video = session.run(feeds).get("video").toFloatArray();
                ms.add((System.nanoTime() - start) / 1_000_000);
            }
            final long[] sorted = ms.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("%s: runs %s ms, median %d ms %s%n", label, ms, sorted[sorted.length / 2],
                    reference == null ? "" : compare(video, reference));
            return video;
        }
    }

    static String compare(final float[] a, final float[] ref) {
        double dot = 0;
        double na = 0;
        double nr = 0;
        double maxErr = 0;
        double maxRef = 0;
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * ref[i];
            na += (double) a[i] * a[i];
            nr += (double) ref[i] * ref[i];
            maxErr = Math.max(maxErr, Math.abs(a[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            se += (double) (a[i] - ref[i]) * (a[i] - ref[i]);
        }
        // PSNR on the [-1, 1] video scale (peak-to-peak 2)
        final double psnr = 10 * Math.log10(4 / (se / a.length));
        return String.format("cosine %.6f, max rel err %.4e, rms err %.4e, psnr %.2f dB (ref max %.3f)",
                dot / Math.sqrt(na * nr), maxErr / maxRef, Math.sqrt(se / a.length), psnr, maxRef);
    }
}
