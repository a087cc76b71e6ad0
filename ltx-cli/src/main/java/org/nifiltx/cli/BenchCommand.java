package org.nifiltx.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.CpuFeatures;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.TransformerTopology;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.tensor.TensorStats;
import org.nifiltx.core.text.TextEncoderModel;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.model.transformer.TransformerRunner;
import org.nifiltx.onnx.runtime.ExecutionProvider;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltx bench}: times each stage of a model (text encoder, transformer, VAE encode/decode, latent upsampler, the
 * whole pipeline) on seeded random inputs of the requested shape, through the backend SPI, and reports median/min/max
 * ms, setup ms, peak RSS and, for lower precisions, how far the stage output lies from the fp32 graph's on the same
 * inputs. Without {@code --model} it times the transformer with the real 2B topology and random weights (fewer
 * layers) and, with {@code --profile}, reports from ONNX Runtime's operator profile where the time goes.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark model stages on this machine: ms per run, setup ms, peak RSS, and for lower precisions the "
                + "cosine similarity and max relative error against fp32.",
            "With --model: --stage text-encoder|transformer|vae-encode|vae-decode|upsample|pipeline|all (repeatable). "
                    + "Without --model: the transformer with the 2B topology and random weights (--layers, --heads, --head-dim)."})
final class BenchCommand implements Callable<Integer> {
    private static final Set<String> GEMM_OPS = Set.of("MatMul", "Gemm", "FusedMatMul", "MatMulNBits", "MatMulInteger",
            "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "QGemm");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "checkpoint: single file or diffusers folder (default: the random-weight transformer)")
    Path model;

    @Option(names = "--stage", split = ",", paramLabel = "STAGE",
            description = "text-encoder, transformer, vae-encode, vae-decode, upsample, pipeline or all (default: all with "
                    + "--model, else transformer); repeatable")
    List<String> stages;

    @Option(names = "--text-encoder", description = "T5 for text-encoder and pipeline (default: the model's text_encoder/)")
    Path textEncoder;

    @Option(names = "--upsampler", description = "latent upsampler file or folder for the upsample stage")
    Path upsampler;

    @Option(names = "--frames", defaultValue = "25", description = "pixel frames, 8N+1 (default ${DEFAULT-VALUE})")
    int frames;

    @Option(names = "--height", defaultValue = "256", description = "pixel height, multiple of 32 (default ${DEFAULT-VALUE})")
    int height;

    @Option(names = "--width", defaultValue = "384", description = "pixel width, multiple of 32 (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--batch", defaultValue = "2", description = "transformer batch, 2 = CFG (default ${DEFAULT-VALUE}); "
            + "the pipeline runs CFG when it is 2 or more")
    int batch;

    @Option(names = {"--text-len", "--text"}, defaultValue = "128",
            description = "T5 tokens and transformer caption tokens (default ${DEFAULT-VALUE})")
    int textLen;

    @Option(names = {"--repeat", "--runs"}, defaultValue = "3", description = "timed runs after one warm-up (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--steps", defaultValue = "8", description = "pipeline: denoising steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random inputs (default ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    BackendMixin backendOptions;

    @Option(names = "--no-reference", description = "lower precisions: skip the fp32 comparison (cosine, max relative error)")
    boolean noReference;

    @Option(names = "--json", description = "one JSON line per stage instead of a table")
    boolean json;

    @Option(names = "--layers", defaultValue = "4", description = "random-weight transformer: blocks (2B has 28)")
    int layers;

    @Option(names = "--heads", defaultValue = "32", description = "random-weight transformer: attention heads (2B: 32)")
    int heads;

    @Option(names = "--head-dim", defaultValue = "64", description = "random-weight transformer: head width (2B: 64, 13B: 128)")
    int headDim;

    @Option(names = "--target", defaultValue = "ONNX_RUNTIME",
            description = "random-weight transformer: ONNX_RUNTIME (fused contrib ops) or STANDARD_ONNX")
    Target target;

    @Option(names = "--profile", description = "random-weight transformer: time per operator type from ONNX Runtime's profile")
    boolean profile;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        final List<String> asked = checkArguments();
        final BackendOptions requested = backendOptions.options(model);
        final Precision precision = requested.precision().resolve(CpuFeatures.detect());
        final BackendOptions options = withPrecision(requested, precision);
        final Backend backend = Backends.find(options);
        final Report report = new Report(spec.commandLine().getOut(), json, requested.precision(), options);
        if (model == null) {
            randomTransformer(report, precision);
            return 0;
        }
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(model);
        requestFor(1).validate(checkpoint.vaeConfig().spatialCompression(), checkpoint.vaeConfig().temporalCompression());
        final TextEncoderModel encoder = BenchStages.openTextEncoder(model, textEncoder);
        final LatentUpsamplerModel upsamplerModel = upsampler == null ? null : LatentUpsamplerModel.open(upsampler);
        final BenchStages bench = new BenchStages(checkpoint, encoder, upsamplerModel, backend,
                new BenchStages.Sizes(frames, height, width, batch, textLen, seed));
        final List<String> run = new ArrayList<>();
        for (final String stage : asked) {
            if (stage.equals("all")) {
                BenchStages.ALL.stream().filter(bench::has).filter(s -> !run.contains(s)).forEach(run::add);
            } else if (!bench.has(stage)) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, bench.missing(stage));
            } else if (!run.contains(stage)) {
                run.add(stage);
            }
        }
        for (final String stage : run) {
            if (stage.equals(BenchStages.PIPELINE)) {
                report.add(pipeline(checkpoint, encoder, backend, options, bench));
            } else {
                report.add(component(bench.prepare(stage), options));
            }
        }
        report.finish();
        return 0;
    }

    /** Every value that needs no model, in the order a user reads the options; returns the stages asked for. */
    private List<String> checkArguments() {
        final List<String> asked = stages == null || stages.isEmpty() ? List.of(model == null ? BenchStages.TRANSFORMER : "all")
                : stages.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        for (final String stage : asked) {
            if (!stage.equals("all") && !BenchStages.ALL.contains(stage)) {
                throw invalid("unknown stage '" + stage + "' (expected one of: " + String.join(", ", BenchStages.ALL) + ", all)");
            }
        }
        if (model == null) {
            final Optional<String> other = asked.stream().filter(s -> !s.equals(BenchStages.TRANSFORMER)).findFirst();
            if (other.isPresent()) {
                throw invalid("--stage " + other.get() + " needs --model (without --model, bench times the random-weight transformer)");
            }
        } else if (profile) {
            throw invalid("--profile applies to the random-weight transformer (no --model)");
        }
        if (repeat < 1) {
            throw invalid("repeat must be at least 1, got " + repeat);
        }
        if (batch < 1) {
            throw invalid("batch must be at least 1, got " + batch);
        }
        if (textLen < 1) {
            throw invalid("text-len must be at least 1, got " + textLen);
        }
        if (steps < 1) {
            throw invalid("steps must be at least 1, got " + steps);
        }
        // the generate command's messages, with the LTX VAE factors (checked again against the model's own)
        requestFor(1).validate(LatentLayout.SPATIAL_SCALE, LatentLayout.TEMPORAL_SCALE);
        return asked;
    }

    /** A generate request of the bench shape: its validation gives the same messages as {@code ltx generate}. */
    private GenerationRequest requestFor(final int guidanceBatch) {
        return GenerationRequest.builder().prompt("a red fox running through fresh snow at dawn").numFrames(frames).height(height)
                .width(width).steps(steps).guidanceScale(guidanceBatch >= 2 ? 3.0 : 1.0).maxLength(textLen).build();
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }

    private static BackendOptions withPrecision(final BackendOptions options, final Precision precision) {
        return options.withPrecision(precision);
    }

    /** Times one component: open (setup), one warm-up, {@code --repeat} timed runs, then the fp32 reference. */
    private ObjectNode component(final BenchStages.Prepared stage, final BackendOptions options) {
        ProcessMemory.resetPeak();
        final double rssBefore = ProcessMemory.rssMb();
        final double[] times = new double[repeat];
        final double setup;
        Tensor output;
        long start = System.nanoTime();
        try (ComponentRunner runner = stage.open().apply(options)) {
            setup = millisSince(start);
            output = runner.run(stage.inputs()).get(stage.output());
            for (int i = 0; i < repeat; i++) {
                start = System.nanoTime();
                output = runner.run(stage.inputs()).get(stage.output());
                times[i] = millisSince(start);
            }
        }
        final ObjectNode line = timings(stage.stage(), stage.shape(), times, setup, rssBefore);
        line.put("output", stage.output());
        final Tensor result = output;
        compare(line, options, () -> {
            try (ComponentRunner reference = stage.open().apply(withPrecision(options, Precision.FP32))) {
                return reference.run(stage.inputs()).get(stage.output());
            }
        }, result);
        return line;
    }

    /**
     * One {@code ltx generate}-like run: encode the prompt (and the negative one with CFG), denoise {@code --steps}
     * steps, decode. Setup opens every runner; the run is timed once, per stage and in total.
     */
    private ObjectNode pipeline(final LtxCheckpoint checkpoint, final TextEncoderModel encoder, final Backend backend,
            final BackendOptions options, final BenchStages bench) {
        final GenerationRequest request = pipelineRequest(checkpoint);
        ProcessMemory.resetPeak();
        final double rssBefore = ProcessMemory.rssMb();
        final Map<String, Double> parts = new LinkedHashMap<>();
        final Tensor latents;
        final double setup;
        try (LtxModels models = new LtxModels(checkpoint, encoder, null, backend, options)) {
            final long open = System.nanoTime();
            models.textEncoder(true);
            models.transformer();
            models.vaeDecoder();
            setup = millisSince(open);
            latents = runPipeline(models, request, parts);
        }
        final double total = parts.values().stream().mapToDouble(Double::doubleValue).sum();
        final Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("frames", frames);
        shape.put("height", height);
        shape.put("width", width);
        shape.put("latent", List.of(bench.latentFrames(), bench.latentHeight(), bench.latentWidth()));
        shape.put("text_len", textLen);
        shape.put("steps", request.timesteps() == null ? steps : request.timesteps().size());
        shape.put("cfg", request.classifierFreeGuidance());
        final ObjectNode line = timings(BenchStages.PIPELINE, shape, new double[] {total}, setup, rssBefore);
        final ObjectNode stageMs = line.putObject("stages_ms");
        parts.forEach((name, ms) -> stageMs.put(name, round(ms)));
        line.put("total_ms", round(total));
        line.put("output", "latents");
        compare(line, options, () -> {
            try (LtxModels reference = new LtxModels(checkpoint, encoder, null, backend, withPrecision(options, Precision.FP32))) {
                return runPipeline(reference, request, new LinkedHashMap<>());
            }
        }, latents);
        return line;
    }

    /**
     * The request of the pipeline stage: {@code --steps} from the scheduler, or for a distilled checkpoint (which allows
     * only listed flow times) the first {@code --steps} of its allowed flow times.
     */
    private GenerationRequest pipelineRequest(final LtxCheckpoint checkpoint) {
        final GenerationRequest plain = requestFor(batch);
        final Optional<JsonNode> allowed = checkpoint.allowedInferenceSteps().filter(JsonNode::isArray);
        if (allowed.isEmpty() || allowed.get().isEmpty()) {
            return plain;
        }
        final List<Double> times = new ArrayList<>();
        allowed.get().forEach(t -> times.add(t.asDouble()));
        return GenerationRequest.builder().prompt(plain.prompt()).numFrames(frames).height(height).width(width)
                .timesteps(times.subList(0, Math.min(steps, times.size()))).guidanceScale(plain.guidanceScale())
                .maxLength(textLen).build();
    }

    private Tensor runPipeline(final LtxModels models, final GenerationRequest request, final Map<String, Double> parts) {
        final LtxPipeline pipeline = new LtxPipeline(models);
        final SeededNoise noise = new SeededNoise(seed);
        long start = System.nanoTime();
        final PromptPair prompts = pipeline.encodePrompts(request.promptSpec(), ProgressListener.NONE);
        parts.put("encode", millisSince(start));
        start = System.nanoTime();
        final GenerationResult result = pipeline.generateLatents(request, prompts, noise, ProgressListener.NONE);
        parts.put("denoise", millisSince(start));
        start = System.nanoTime();
        pipeline.decode(result.latents(), request.decodeSpec(), noise, ProgressListener.NONE);
        parts.put("decode", millisSince(start));
        return result.latents();
    }

    /** For a precision below fp32: cosine and max relative error of {@code output} against the fp32 graph's. */
    private void compare(final ObjectNode line, final BackendOptions options, final Supplier<Tensor> reference, final Tensor output) {
        if (options.precision() == Precision.FP32 || noReference) {
            line.putNull("reference");
            line.putNull("cosine");
            line.putNull("max_rel_err");
            return;
        }
        final TensorStats.Comparison c = TensorStats.compare(output, reference.get());
        line.put("reference", Precision.FP32.label());
        line.put("cosine", c.cosine());
        line.put("max_rel_err", c.maxRelativeError());
    }

    private ObjectNode timings(final String stage, final Map<String, Object> shape, final double[] times, final double setup,
            final double rssBefore) {
        final double peak = ProcessMemory.peakMb();
        final double[] sorted = times.clone();
        Arrays.sort(sorted);
        final double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        final ObjectNode line = JSON.createObjectNode();
        line.put("stage", stage);
        line.put("median_ms", round(median));
        line.put("min_ms", round(sorted[0]));
        line.put("max_ms", round(sorted[sorted.length - 1]));
        line.put("setup_ms", round(setup));
        line.put("repeat", times.length);
        line.set("shape", JSON.valueToTree(shape));
        line.put("peak_rss_mb", round(peak));
        line.put("rss_growth_mb", round(peak < 0 || rssBefore < 0 ? -1 : Math.max(0, peak - rssBefore)));
        return line;
    }

    private static double millisSince(final long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    private static double round(final double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /** The random-weight transformer: the 2B topology with {@code --layers} blocks. */
    private void randomTransformer(final Report report, final Precision precision) throws IOException {
        if (precision == Precision.FP8) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "the random-weight transformer runs in fp32, int8 or bf16; give --model "
                    + "(e.g. a model from make_bench_model.py) to bench --precision " + precision.label());
        }
        final NumericPolicy policy = NumericPolicy.of(precision);
        final TransformerConfig config = TransformerTopology.config(layers, heads, headDim);
        final int latentFrames = (frames - 1) / LatentLayout.TEMPORAL_SCALE + 1;
        final int latentHeight = height / LatentLayout.SPATIAL_SCALE;
        final int latentWidth = width / LatentLayout.SPATIAL_SCALE;
        final int tokens = latentFrames * latentHeight * latentWidth;
        final TensorBundle inputs = randomInputs(config, latentFrames, latentHeight, latentWidth);
        final SessionConfig session = new SessionConfig(ExecutionProvider.CPU, 0, backendOptions.threads, true)
                .withNarrowWeights(precision == Precision.BF16);
        final PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            out.printf(Locale.ROOT, "transformer: %d layers, %d heads x %d, batch %d, %d video tokens, %d text tokens, %s%n",
                    layers, heads, headDim, batch, tokens, textLen, target);
        }
        final TensorBundleWeights weights = new TensorBundleWeights(config);
        ProcessMemory.resetPeak();
        final double rssBefore = ProcessMemory.rssMb();
        final double[] times = new double[repeat];
        final double setup;
        final TensorBundle output;
        long start = System.nanoTime();
        try (TransformerRunner runner = TransformerRunner.create(config, weights.get(), target, session, policy)) {
            setup = millisSince(start);
            output = runner.run(inputs);
            for (int i = 0; i < repeat; i++) {
                start = System.nanoTime();
                runner.run(inputs);
                times[i] = millisSince(start);
            }
        }
        final Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("batch", batch);
        shape.put("tokens", tokens);
        shape.put("text_len", textLen);
        shape.put("latent", List.of(latentFrames, latentHeight, latentWidth));
        shape.put("layers", layers);
        shape.put("heads", heads);
        shape.put("head_dim", headDim);
        final ObjectNode line = timings(BenchStages.TRANSFORMER, shape, times, setup, rssBefore);
        line.put("output", "out");
        line.put("model", "random-2b-topology");
        if (policy.precision() == Precision.FP32) {
            line.putNull("reference");
            line.putNull("cosine");
            line.putNull("max_rel_err");
        } else {
            // the same weights and inputs through the fp32 graph: the error the reduced precision costs
            try (TransformerRunner reference = TransformerRunner.create(config, weights.get(), target,
                    session.withNarrowWeights(false))) {
                final Tensor expected = reference.run(inputs).get("out");
                line.put("reference", "fp32");
                line.put("cosine", TensorStats.cosine(output.get("out"), expected));
                line.put("max_rel_err", TensorStats.maxRelativeError(output.get("out"), expected));
            }
        }
        if (profile) {
            final Path profileDir = Files.createTempDirectory("ltx-bench");
            try (TransformerRunner profiled = TransformerRunner.create(config, weights.get(), target,
                    session.withProfiling(profileDir.resolve("ort").toString()), policy)) {
                // the first run pays for arena growth and page faults; only the second one is read (readProfile)
                profiled.run(inputs);
                profiled.run(inputs);
            }
            final Map<String, Long> byOp = readProfile(profileDir);
            final double linearFlops = linearFlops(config, tokens);
            final double peak = gemmPeak(session);
            if (json) {
                final long total = Math.max(1, byOp.values().stream().mapToLong(Long::longValue).sum());
                final ObjectNode ops = line.putObject("operator_ms");
                byOp.forEach((op, micros) -> ops.put(op, round(micros / 1000.0)));
                line.put("gemm_share_pct", round(100.0 * gemmMicros(byOp) / total));
                line.put("linear_gflop", round(linearFlops / 1e9));
                line.put("matmul_gflops", round(linearFlops / (Math.max(1, gemmMicros(byOp)) / 1e6) / 1e9));
                line.put("sgemm_peak_gflops", round(peak / 1e9));
            } else {
                report.add(line);
                report.finish();
                final long gemmMicros = printProfile(out, byOp);
                out.printf(Locale.ROOT, "linear layers: %.1f GFLOP per forward, %.0f GFLOP/s in MatMul kernels%n", linearFlops / 1e9,
                        linearFlops / (gemmMicros / 1e6) / 1e9);
                out.printf(Locale.ROOT, "sgemm peak here (MatMul 768x2048x8192): %.0f GFLOP/s -> transformer MatMuls at %.0f %% of it%n",
                        peak / 1e9, 100.0 * linearFlops / (gemmMicros / 1e6) / peak);
                return;
            }
        }
        report.add(line);
        report.finish();
    }

    /** Random weights made once, shared by the timed and the profiled session. */
    private static final class TensorBundleWeights {
        private final TransformerConfig config;
        private org.nifiltx.core.checkpoint.WeightStore weights;

        TensorBundleWeights(final TransformerConfig config) {
            this.config = config;
        }

        org.nifiltx.core.checkpoint.WeightStore get() {
            if (weights == null) {
                weights = RandomTransformerWeights.create(config, 1);
            }
            return weights;
        }
    }

    /** Prints each stage as it finishes: a JSON line, or a table row (header first). */
    private static final class Report {
        private final PrintWriter out;
        private final boolean json;
        private final Precision requested;
        private final BackendOptions options;
        private boolean headerDone;

        Report(final PrintWriter out, final boolean json, final Precision requested, final BackendOptions options) {
            this.out = out;
            this.json = json;
            this.requested = requested;
            this.options = options;
        }

        void add(final ObjectNode line) {
            line.put("impl", "nifi-ltx-onnxruntime-" + options.backend());
            line.put("backend", options.backend());
            line.put("precision", options.precision().label());
            line.put("precision_requested", requested.label());
            line.put("threads", options.threads());
            line.put("cpus", Runtime.getRuntime().availableProcessors());
            if (json) {
                out.println(line.toString());
                out.flush();
                return;
            }
            if (!headerDone) {
                out.printf(Locale.ROOT, "backend %s, precision %s%s, threads %s%n", options.backend(), options.precision().label(),
                        requested == options.precision() ? "" : " (" + requested.label() + ")",
                        options.threads() == 0 ? "one per core (" + Runtime.getRuntime().availableProcessors() + " cpus)" : options.threads());
                out.printf(Locale.ROOT, "%-13s %10s %10s %10s %10s %9s %9s %9s %9s  %s%n", "stage", "median ms", "min ms",
                        "max ms", "setup ms", "peak MB", "+RSS MB", "cosine", "max rel", "shape");
                headerDone = true;
            }
            out.printf(Locale.ROOT, "%-13s %10.1f %10.1f %10.1f %10.1f %9.0f %9.0f %9s %9s  %s%n", line.get("stage").asText(),
                    line.get("median_ms").asDouble(), line.get("min_ms").asDouble(), line.get("max_ms").asDouble(),
                    line.get("setup_ms").asDouble(), line.get("peak_rss_mb").asDouble(), line.get("rss_growth_mb").asDouble(),
                    stat(line.get("cosine"), "%.6f"), stat(line.get("max_rel_err"), "%.2e"), shapeText(line.get("shape")));
            if (line.has("stages_ms")) {
                final StringBuilder parts = new StringBuilder("  pipeline stages ms:");
                line.get("stages_ms").properties().forEach(e -> parts.append(String.format(Locale.ROOT, " %s %.1f", e.getKey(),
                        e.getValue().asDouble())));
                out.println(parts);
            }
            out.flush();
        }

        void finish() {
            out.flush();
        }

        private static String stat(final JsonNode value, final String format) {
            return value == null || value.isNull() ? "-" : String.format(Locale.ROOT, format, value.asDouble());
        }

        private static String shapeText(final JsonNode shape) {
            final List<String> parts = new ArrayList<>();
            shape.properties().forEach(e -> {
                if (!e.getKey().equals("layers") && !e.getKey().equals("heads") && !e.getKey().equals("head_dim")) {
                    parts.add(e.getKey() + "=" + (e.getValue().isArray() ? arrayText(e.getValue()) : e.getValue().asText()));
                }
            });
            return String.join(" ", parts);
        }

        private static String arrayText(final JsonNode array) {
            final List<String> values = new ArrayList<>();
            array.forEach(v -> values.add(v.asText()));
            return String.join("x", values);
        }
    }

    /** Multiply-adds of every Linear in one forward (attention score products run inside MultiHeadAttention). */
    private double linearFlops(final TransformerConfig config, final int tokens) {
        final double rows = (double) batch * tokens;
        final double textRows = (double) batch * textLen;
        final double d = config.innerDim();
        final double perLayer = 2 * rows * d * d * 4 + 2 * rows * d * d * 2 + 2 * textRows * config.crossAttentionDim() * d * 2
                + 2 * rows * d * 4 * d * 2;
        return config.numLayers() * perLayer + 2 * rows * config.inChannels() * d + 2 * textRows * config.captionChannels() * d
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

    private TensorBundle randomInputs(final TransformerConfig config, final int latentFrames, final int latentHeight,
            final int latentWidth) {
        final int tokens = latentFrames * latentHeight * latentWidth;
        final int text = textLen;
        final SplittableRandom random = new SplittableRandom(2);
        final Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("hidden_states", Tensor.ofFloats(new long[] {batch, tokens, config.inChannels()}, gaussian(random, batch * tokens * config.inChannels())));
        in.put("encoder_hidden_states", Tensor.ofFloats(new long[] {batch, text, config.captionChannels()},
                gaussian(random, batch * text * config.captionChannels())));
        final long[] mask = new long[batch * text];
        Arrays.fill(mask, 1);
        in.put("encoder_attention_mask", Tensor.ofLongs(new long[] {batch, text}, mask));
        in.put("timestep", Tensor.ofFloats(new long[] {batch}, new float[batch]));
        in.put("video_coords", LatentLayout.videoCoords(batch, latentFrames, latentHeight, latentWidth, 25, true));
        return TensorBundle.of(in);
    }

    private static float[] gaussian(final SplittableRandom random, final int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /**
     * Kernel microseconds per operator type in the last run of ONNX Runtime's profile, largest first; empty if none
     * was written.
     */
    private static Map<String, Long> readProfile(final Path profileDir) throws IOException {
        final Path file;
        try (Stream<Path> files = Files.list(profileDir)) {
            file = files.filter(p -> p.getFileName().toString().endsWith(".json")).findFirst().orElse(null);
        }
        final Map<String, Long> byOp = new LinkedHashMap<>();
        if (file == null) {
            return byOp;
        }
        final JsonNode events = Json.read(file);
        long lastRun = Long.MIN_VALUE;
        for (final JsonNode event : events) {
            if ("model_run".equals(event.path("name").asText())) {
                lastRun = Math.max(lastRun, event.path("ts").asLong());
            }
        }
        for (final JsonNode event : events) {
            if ("Node".equals(event.path("cat").asText()) && event.path("name").asText().endsWith("_kernel_time")
                    && event.path("ts").asLong() >= lastRun) {
                final String op = event.path("args").path("op_name").asText("?");
                final long duration = event.path("dur").asLong();
                byOp.merge(op, duration, Long::sum);
            }
        }
        final Map<String, Long> sorted = new LinkedHashMap<>();
        byOp.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Prints the profile as a table and returns the microseconds spent in GEMM kernels (at least 1). */
    private static long printProfile(final PrintWriter out, final Map<String, Long> byOp) {
        if (byOp.isEmpty()) {
            out.println("no ONNX Runtime profile was written");
            return 1;
        }
        final long total = byOp.values().stream().mapToLong(Long::longValue).sum();
        final long gemm = gemmMicros(byOp);
        final long grandTotal = total;
        out.printf(Locale.ROOT, "operator time (one profiled forward, %.1f ms in kernels):%n", total / 1000.0);
        byOp.entrySet().forEach(e -> out.printf(Locale.ROOT,
                "  %-28s %8.1f ms %5.1f %%%n", e.getKey(), e.getValue() / 1000.0, 100.0 * e.getValue() / grandTotal));
        out.printf(Locale.ROOT, "GEMM share (MatMul/Gemm/FusedMatMul): %.1f %%%n", 100.0 * gemm / Math.max(1, total));
        return Math.max(1, gemm);
    }

    private static long gemmMicros(final Map<String, Long> byOp) {
        return byOp.entrySet().stream().filter(e -> GEMM_OPS.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }
}
