package org.nifiltx.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.model.transformer.TransformerRunner;
import org.nifiltx.onnx.runtime.ExecutionProvider;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltx bench transformer}: times forwards of the transformer with the real 2B topology (random weights, fewer
 * layers) and reports, from ONNX Runtime's operator profile, where the time goes — the GEMM share is the number the
 * graph emission is tuned for.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the transformer graph on this machine: ms per forward and time per operator type.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--layers", defaultValue = "4", description = "transformer blocks (2B has 28)")
    int layers;

    @Option(names = "--heads", defaultValue = "32", description = "attention heads (2B: 32)")
    int heads;

    @Option(names = "--head-dim", defaultValue = "64", description = "head width (2B: 64, 13B: 128)")
    int headDim;

    @Option(names = "--frames", defaultValue = "2", description = "latent frames")
    int frames;

    @Option(names = "--latent-height", defaultValue = "12", description = "latent rows")
    int latentHeight;

    @Option(names = "--latent-width", defaultValue = "16", description = "latent columns")
    int latentWidth;

    @Option(names = "--text", defaultValue = "128", description = "text tokens")
    int text;

    @Option(names = "--batch", defaultValue = "2", description = "batch (2 = CFG)")
    int batch;

    @Option(names = "--runs", defaultValue = "3", description = "timed forwards after one warm-up")
    int runs;

    @Option(names = "--threads", defaultValue = "0", description = "intra-op threads, 0 = one per core")
    int threads;

    @Option(names = "--target", defaultValue = "ONNX_RUNTIME", description = "ONNX_RUNTIME (fused contrib ops) or STANDARD_ONNX")
    Target target;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        final PrintWriter out = spec.commandLine().getOut();
        final int inner = heads * headDim;
        final TransformerConfig config = new TransformerConfig(layers, heads, headDim, 128, 128, inner, 4096, 1, 1, 1e-6, 1e-5,
                10000.0, new int[] {20, 2048, 2048}, 1000.0, Optional.of(true));
        final int tokens = frames * latentHeight * latentWidth;
        final TensorBundle inputs = inputs(config, tokens);
        final Path profileDir = Files.createTempDirectory("ltx-bench");
        final SessionConfig session = new SessionConfig(ExecutionProvider.CPU, 0, threads, true);
        out.printf(Locale.ROOT, "transformer: %d layers, %d heads x %d, batch %d, %d video tokens, %d text tokens, %s%n",
                layers, heads, headDim, batch, tokens, text, target);
        final double[] times = new double[runs];
        try (TransformerRunner runner = TransformerRunner.create(config, RandomTransformerWeights.create(config, 1), target, session)) {
            runner.run(inputs);
            for (int i = 0; i < runs; i++) {
                final long start = System.nanoTime();
                runner.run(inputs);
                times[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        final double mean = Arrays.stream(times).average().orElse(0);
        out.printf(Locale.ROOT, "ms per forward: mean %.1f, min %.1f, max %.1f over %d runs%n", mean,
                Arrays.stream(times).min().orElse(0), Arrays.stream(times).max().orElse(0), runs);
        try (TransformerRunner profiled = TransformerRunner.create(config, RandomTransformerWeights.create(config, 1), target,
                session.withProfiling(profileDir.resolve("ort").toString()))) {
            profiled.run(inputs);
        }
        final long gemmMicros = printProfile(out, profileDir);
        final double linearFlops = linearFlops(config, tokens);
        final double peak = gemmPeak(session);
        out.printf(Locale.ROOT, "linear layers: %.1f GFLOP per forward, %.0f GFLOP/s in MatMul kernels%n", linearFlops / 1e9,
                linearFlops / (gemmMicros / 1e6) / 1e9);
        out.printf(Locale.ROOT, "sgemm peak here (MatMul 768x2048x8192): %.0f GFLOP/s -> transformer MatMuls at %.0f %% of it%n",
                peak / 1e9, 100.0 * linearFlops / (gemmMicros / 1e6) / peak);
        return 0;
    }

    /** Multiply-adds of every Linear in one forward (attention score products run inside MultiHeadAttention). */
    private double linearFlops(final TransformerConfig config, final int tokens) {
        final double rows = (double) batch * tokens;
        final double textRows = (double) batch * text;
        final double d = config.innerDim();
        final double perLayer = 2 * rows * d * d * 4 + 2 * rows * d * d * 2 + 2 * textRows * config.crossAttentionDim() * d * 2
                + 2 * rows * d * 4 * d * 2;
        return layers * perLayer + 2 * rows * config.inChannels() * d + 2 * textRows * config.captionChannels() * d
                + 2 * textRows * d * d + 2 * rows * d * config.outChannels();
    }

    /** FLOP/s of one large MatMul with a constant weight, the best case the transformer's linears can reach. */
    private double gemmPeak(final SessionConfig session) {
        final int m = 768;
        final int k = 2048;
        final int n = 8192;
        final GraphBuilder graph = new GraphBuilder("gemm", Target.STANDARD_ONNX);
        final Value x = graph.input("x", DType.F32, m, k);
        final SplittableRandom random = new SplittableRandom(3);
        graph.output(graph.matMul(x, graph.weight("w", Tensor.ofFloats(new long[] {k, n}, gaussian(random, k * n)))), "y",
                DType.F32, m, n);
        final TensorBundle in = TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {m, k}, gaussian(random, m * k))));
        try (OnnxSession gemm = OnnxSession.create(graph, session)) {
            gemm.run(in);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                final long start = System.nanoTime();
                gemm.run(in);
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            return 2.0 * m * k * n / best;
        }
    }

    private TensorBundle inputs(final TransformerConfig config, final int tokens) {
        final SplittableRandom random = new SplittableRandom(2);
        final Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("hidden_states", Tensor.ofFloats(new long[] {batch, tokens, config.inChannels()}, gaussian(random, batch * tokens * config.inChannels())));
        in.put("encoder_hidden_states", Tensor.ofFloats(new long[] {batch, text, config.captionChannels()},
                gaussian(random, batch * text * config.captionChannels())));
        final long[] mask = new long[batch * text];
        Arrays.fill(mask, 1);
        in.put("encoder_attention_mask", Tensor.ofLongs(new long[] {batch, text}, mask));
        in.put("timestep", Tensor.ofFloats(new long[] {batch}, new float[batch]));
        in.put("video_coords", LatentLayout.videoCoords(batch, frames, latentHeight, latentWidth, 25, true));
        return TensorBundle.of(in);
    }

    private static float[] gaussian(final SplittableRandom random, final int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** Sums ONNX Runtime's per-node kernel times by operator type. */
    private static long printProfile(final PrintWriter out, final Path profileDir) throws IOException {
        final Path file;
        try (Stream<Path> files = Files.list(profileDir)) {
            file = files.filter(p -> p.getFileName().toString().endsWith(".json")).findFirst().orElse(null);
        }
        if (file == null) {
            out.println("no ONNX Runtime profile was written");
            return 1;
        }
        final Map<String, Long> byOp = new LinkedHashMap<>();
        long total = 0;
        for (final JsonNode event : Json.read(file)) {
            if ("Node".equals(event.path("cat").asText()) && event.path("name").asText().endsWith("_kernel_time")) {
                final String op = event.path("args").path("op_name").asText("?");
                final long duration = event.path("dur").asLong();
                byOp.merge(op, duration, Long::sum);
                total += duration;
            }
        }
        final long gemm = byOp.entrySet().stream().filter(e -> List.of("MatMul", "Gemm", "FusedMatMul", "MatMulNBits").contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        final long grandTotal = total;
        out.printf(Locale.ROOT, "operator time (one profiled forward, %.1f ms in kernels):%n", total / 1000.0);
        byOp.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).forEach(e -> out.printf(Locale.ROOT,
                "  %-28s %8.1f ms %5.1f %%%n", e.getKey(), e.getValue() / 1000.0, 100.0 * e.getValue() / grandTotal));
        out.printf(Locale.ROOT, "GEMM share (MatMul/Gemm/FusedMatMul): %.1f %%%n", 100.0 * gemm / Math.max(1, total));
        return Math.max(1, gemm);
    }
}
