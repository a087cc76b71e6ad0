package org.nifiltx.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.lora.LoraMerge;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.inspect.WeightAudit;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Condition;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.StageMetadata;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.PipelineConfig;
import org.nifiltx.core.pipeline.SeededNoise;
import org.nifiltx.core.pipeline.SuppliedNoise;
import org.nifiltx.core.pipeline.TemporalUpsampling;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.text.TextEncoderModel;
import org.nifiltx.core.video.ImageLoader;
import org.nifiltx.core.video.VideoFormat;
import org.nifiltx.core.video.VideoWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ltx generate}: text-to-video or image-to-video from the command line. Every value is checked before any model
 * is loaded: first what needs no model at all, then the sizes against the VAE factors of the checkpoint's config.
 * Defaults suit the distilled LTX-Video 2B 0.9.8 (7 distilled flow times, no CFG); the demo model defaults to a small clip.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate a video clip from a prompt (and optionally a first-frame image).",
            "Defaults suit ltxv-2b-0.9.8-distilled: 768x512, 121 frames, the 7 distilled flow times "
                    + "1.0,0.9937,0.9875,0.9812,0.975,0.9094,0.725, guidance 1 (off), official semantics.",
            "--model demo uses a built-in tiny random-weight model (no download; the output is noise) and defaults to 384x256, 25 frames."})
final class GenerateCommand implements Callable<Integer> {
    static final int DEMO_WIDTH = 384;
    static final int DEMO_HEIGHT = 256;
    static final int DEMO_FRAMES = 25;

    @Spec
    CommandSpec spec;

    @Option(names = "--prompt", description = "what the video shows (required)")
    String prompt;

    @Option(names = "--negative-prompt", description = "used when --guidance-scale > 1 (default: the official negative prompt)")
    String negativePrompt = Defaults.NEGATIVE_PROMPT;

    @Option(names = "--model", description = "single-file checkpoint (ltxv-*.safetensors), diffusers folder, or the word 'demo' "
            + "(built-in random model); required unless --pipeline-config gives checkpoint_path")
    String model;

    @Option(names = "--text-encoder", description = "diffusers folder, text_encoder folder or T5 .gguf "
            + "(default: the model's own text_encoder/ when --model is a diffusers folder)")
    Path textEncoder;

    @Option(names = "--mode", description = "t2v or i2v (default: i2v when an image is given, else t2v); i2v needs --image")
    String mode;

    @Option(names = "--image", description = "first-frame image (PNG/JPEG) for image-to-video")
    Path image;

    @Option(names = "--conditions", description = "JSON [{\"path\": \"a.png\", \"frame\": 0, \"strength\": 1.0}]; "
            + "images or clips (mp4, gif, PNG folder) at pixel frames: frame 0 = image-to-video or video extension, later = keyframes")
    String conditions;

    @Option(names = "--num-frames", description = "8N+1 (default " + Defaults.NUM_FRAMES + "; demo " + DEMO_FRAMES + ")")
    Integer numFrames;

    @Option(names = "--height", description = "multiple of 32 (default " + Defaults.HEIGHT + "; demo " + DEMO_HEIGHT + ")")
    Integer height;

    @Option(names = "--width", description = "multiple of 32 (default " + Defaults.WIDTH + "; demo " + DEMO_WIDTH + ")")
    Integer width;

    @Option(names = "--steps", description = "scheduler steps from the checkpoint's scheduler config (instead of --timesteps)")
    Integer steps;

    @Option(names = "--timesteps", split = ",", description = "comma list of flow times in (0, 1] (default: the 0.9.8 distilled list)")
    List<Double> timesteps;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--frame-rate", defaultValue = "" + Defaults.FRAME_RATE, description = "frames per second (default ${DEFAULT-VALUE})")
    double frameRate;

    @Option(names = "--decode-timestep", defaultValue = "" + Defaults.DECODE_TIMESTEP, description = "VAE decode timestep (default ${DEFAULT-VALUE})")
    double decodeTimestep;

    @Option(names = "--decode-noise-scale", defaultValue = "" + Defaults.DECODE_NOISE_SCALE, description = "decode noise (default ${DEFAULT-VALUE})")
    double decodeNoiseScale;

    @Option(names = "--max-length", description = "prompt tokens (default: " + Defaults.OFFICIAL_MAX_LENGTH + " official, "
            + Defaults.DIFFUSERS_MAX_LENGTH + " diffusers)")
    Integer maxLength;

    @Option(names = "--seed", defaultValue = "0", description = "seed of every random draw (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--noise", description = "safetensors with initial_latents [1,N,C] / image_latent_noise / decode_noise; "
            + "draws it lacks come from --seed")
    Path noise;

    @Option(names = "--save-latents", description = "also write the final normalised latents [1,C,F,h,w] to this safetensors file")
    Path saveLatents;

    @Option(names = "--output", required = true, description = "video.mp4, clip.gif, frames.zip, a directory (PNG frames) or "
            + "frames.safetensors (frames_uint8 [F,H,W,3] and latents)")
    Path output;

    @Mixin
    BackendMixin backendOptions;

    @Mixin
    LoraOptions lora;

    @Option(names = "--upsampler", description = "latent upsampler (ltxv-spatial-upscaler-0.9.8.safetensors): enables multi-scale; "
            + "a temporal or spatio-temporal one makes the first pass at half the frame rate (--num-frames 16N+1)")
    Path upsampler;

    @Option(names = "--second-pass-timesteps", split = ",", description = "multi-scale second pass flow times (default 0.9094,0.725,0.4219)")
    List<Double> secondPassTimesteps;

    @Option(names = "--compat", defaultValue = "official", description = "official (default) or diffusers semantics; diffusers "
            + "also takes diffusers' defaults for --rescale (guidance_rescale 0) and --max-length (128)")
    String compat;

    @Option(names = "--memory-budget", paramLabel = "MB", description = "host memory the generation may use, in MB "
            + "(default: half the physical memory): the VAE decode tiles within what the process leaves of it, and the text encoder / transformer "
            + "are closed before the next large component opens when they do not fit together")
    Long memoryBudget;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
        final Checked inputs = GenerateInputs.check(this);
        inputs.config().flatMap(PipelineConfig::warning).ifPresent(line -> spec.commandLine().getErr().println("ltx: warning: " + line));
        final boolean demo = DemoModel.NAME.equals(model);
        if (demo) {
            spec.commandLine().getErr().println("ltx: --model demo is a tiny random-weight model built in; its output is noise, not the prompt");
        }
        final Path modelPath = demo ? DemoModel.cached() : Path.of(model);
        final LtxCheckpoint opened = LtxCheckpoint.open(modelPath);
        final GenerationRequest request = request(inputs.image(), inputs.conditions(), inputs.config().orElse(null), demo);
        // sizes, then the memory their largest tensors need, before any model loads
        LtxPipeline.check(request, opened.transformerConfig(), opened.vaeConfig(), inputs.options().effectiveMemoryBudgetBytes());
        final Path encoderPath = textEncoder != null ? textEncoder : modelPath;
        final TextEncoderModel encoder = TextEncoderModel.open(encoderPath);
        // every weight the graphs read, before any session is built
        WeightAudit.requireComplete(WeightAudit.generation(inputs.backend(), opened, encoder, request.imageToVideo()));
        final LatentUpsamplerModel upsamplerModel = upsampler == null ? null : LatentUpsamplerModel.open(upsampler);
        TemporalUpsampling.validate(request, upsamplerModel, opened.vaeConfig().temporalCompression());
        // merged last: with a large model the merge takes a while, and every value is checked by now
        final LtxCheckpoint checkpoint = LoraMerge.apply(opened, inputs.loras());
        final NoiseSource noiseSource = inputs.noise() == null ? new SeededNoise(seed) : new SuppliedNoise(inputs.noise(), new SeededNoise(seed));
        final ConsoleProgress progress = ConsoleProgress.forConsole(spec.commandLine().getErr());
        final GenerationResult result;
        // one generation encodes its prompt (pair) once: T5 does not repack its weights when it opens
        try (LtxModels models = new LtxModels(checkpoint, encoder, upsamplerModel, inputs.backend(),
                inputs.options().withTextEncoderOnce(true))) {
            // one large component at a time when the budget requires it (MemoryPlan): T5-XXL, then the transformer
            result = new LtxPipeline(models).generate(request, noiseSource, progress);
        }
        VideoWriter.write(output, result.frames(), request.frameRate(), Map.of("latents", result.latents()));
        if (saveLatents != null) {
            // with the metadata NiFi's GenerateLatents writes, so DecodeVideo decodes them at this size, rate and compat
            final Map<String, String> metadata = new LinkedHashMap<>(request.decodeSpec().latentsMetadata());
            metadata.put(StageMetadata.SEED, String.valueOf(seed));
            metadata.put(StageMetadata.STEPS, String.valueOf(result.steps()));
            SafeTensors.write(saveLatents, new TensorBundle(Map.of("latents", result.latents()), metadata));
        }
        spec.commandLine().getOut().println("wrote " + result.frames().dim(0) + " frames of " + result.frames().dim(2) + "x"
                + result.frames().dim(1) + " to " + output + " (" + inputs.options().backend() + ", "
                + inputs.options().precision().label() + ")");
        return 0;
    }

    /** The request: defaults, then the pipeline config, then every option given explicitly. */
    GenerationRequest request(final Tensor firstFrame, final List<Condition> conditions, final PipelineConfig config, final boolean demo) {
        final GenerationRequest.Builder builder = GenerationRequest.builder().prompt(prompt).negativePrompt(negativePrompt)
                .image(firstFrame).conditions(conditions).frameRate(frameRate).decodeTimestep(decodeTimestep)
                .decodeNoiseScale(decodeNoiseScale).compat(parseCompat(compat)).secondPassTimesteps(secondPassTimesteps);
        if (maxLength != null) {
            builder.maxLength(maxLength);
        }
        if (config != null) {
            config.applyTo(builder);
            if (given("--decode-timestep")) {
                builder.decodeTimestep(decodeTimestep);
            }
            if (given("--decode-noise-scale")) {
                builder.decodeNoiseScale(decodeNoiseScale);
            }
        }
        builder.multiScale(upsampler != null);
        builder.numFrames(numFrames != null ? numFrames : demo ? DEMO_FRAMES : Defaults.NUM_FRAMES);
        builder.height(height != null ? height : demo ? DEMO_HEIGHT : Defaults.HEIGHT);
        builder.width(width != null ? width : demo ? DEMO_WIDTH : Defaults.WIDTH);
        sampling.apply(builder, config, steps, timesteps, secondPassTimesteps, upsampler != null, parseCompat(compat));
        return builder.build();
    }

    private boolean given(final String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    static Compat parseCompat(final String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "official" -> Compat.OFFICIAL;
            case "diffusers" -> Compat.DIFFUSERS;
            default -> throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "unknown --compat '" + text + "' (expected official or diffusers)");
        };
    }

    /** What {@link GenerateInputs#check} produced from the options that need no model. */
    record Checked(Tensor image, List<Condition> conditions, TensorBundle noise, Backend backend, BackendOptions options,
            Optional<PipelineConfig> config, List<LoraSpec> loras) {
    }

    /** The checks that need no model, in the order a user reads the options. */
    static final class GenerateInputs {
        private GenerateInputs() {
        }

        static Checked check(final GenerateCommand command) {
            if (command.prompt == null || command.prompt.isBlank()) {
                throw invalid("--prompt is required");
            }
            parseCompat(command.compat);
            VideoFormat.fromPath(command.output);
            final PipelineConfig config = command.sampling.pipelineConfig == null ? null
                    : PipelineConfig.read(command.sampling.pipelineConfig);
            if (config != null) {
                fillFromConfig(command, config);
            }
            if (command.model == null) {
                throw invalid("--model is required (or a --pipeline-config with checkpoint_path)");
            }
            if (command.steps != null && command.timesteps != null) {
                throw invalid("give --steps or --timesteps, not both");
            }
            if (command.steps != null && command.steps < 1) {
                throw invalid("steps must be at least 1, got " + command.steps);
            }
            if (command.timesteps != null) {
                requireFlowTimes(command.timesteps, "--timesteps");
            }
            if (command.secondPassTimesteps != null) {
                if (command.upsampler == null) {
                    throw invalid("--second-pass-timesteps needs --upsampler (multi-scale)");
                }
                requireFlowTimes(command.secondPassTimesteps, "--second-pass-timesteps");
            }
            // every pass setting is checked before any file is read
            command.request(null, List.of(), config, DemoModel.NAME.equals(command.model));
            // --lora replaces the config's list, as every explicit option overrides its key
            final List<LoraSpec> loras = command.lora.given() || config == null ? command.lora.specs()
                    : config.loras().stream().map(LoraSpec::requireExists).toList();
            final Path imagePath = command.image;
            final List<Conditions.Condition> parsed = command.conditions == null ? List.of() : Conditions.parse(command.conditions);
            final String mode = command.mode == null ? (imagePath == null ? "t2v" : "i2v") : command.mode.toLowerCase(Locale.ROOT);
            if (!mode.equals("t2v") && !mode.equals("i2v")) {
                throw invalid("unknown --mode '" + command.mode + "' (expected t2v or i2v)");
            }
            if (mode.equals("i2v") && imagePath == null && parsed.isEmpty()) {
                throw invalid("--mode i2v needs --image (or a frame-0 entry in --conditions)");
            }
            if (mode.equals("t2v") && imagePath != null) {
                throw invalid("--mode t2v takes no image; use --mode i2v");
            }
            final Tensor image = imagePath == null ? null : ImageLoader.loadRgb(imagePath);
            final List<Condition> conditions = Conditions.load(parsed);
            final BackendOptions options = command.backendOptions.options(
                    DemoModel.NAME.equals(command.model) ? null : Path.of(command.model)).resolved()
                    .withMemoryBudget(MemoryBudgetOption.bytes(command.memoryBudget));
            final Backend backend = Backends.find(options);
            requireFile(command.upsampler, "upsampler");
            if (command.textEncoder != null && !Files.exists(command.textEncoder)) {
                throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "text encoder not found: " + command.textEncoder);
            }
            if (!DemoModel.NAME.equals(command.model)) {
                final Path model = Path.of(command.model);
                if (!Files.exists(model)) {
                    throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "model not found: " + model);
                }
                if (command.textEncoder == null && !Files.isDirectory(model.resolve("text_encoder"))) {
                    throw invalid("--text-encoder is required: " + model + " carries no text_encoder/ (give a diffusers folder, "
                            + "a text_encoder folder or a T5 .gguf file)");
                }
            }
            requireFile(command.noise, "noise file");
            final TensorBundle noise = command.noise == null ? null : SafeTensors.read(command.noise);
            // a read-only folder fails here, not after the generation
            WriteFailure.requireWritable(VideoFormat.fromPath(command.output) + " video", command.output);
            if (command.saveLatents != null) {
                WriteFailure.requireWritable("safetensors file", command.saveLatents);
            }
            return new Checked(image, conditions, noise, backend, options, Optional.ofNullable(config), loras);
        }

        /** The config's paths are the defaults of --model, --upsampler (multi-scale configs) and --text-encoder. */
        private static void fillFromConfig(final GenerateCommand command, final PipelineConfig config) {
            if (command.model == null) {
                command.model = config.checkpoint().map(Path::toString).orElse(null);
            }
            if (command.upsampler == null && config.multiScale()) {
                command.upsampler = config.upsampler().orElseThrow(() -> invalid("--pipeline-config " + config.file()
                        + " is multi-scale: give --upsampler or spatial_upscaler_model_path"));
            }
            // official configs name a Hugging Face repository here; only a local folder or file is a usable default
            if (command.textEncoder == null && config.textEncoder().filter(Files::exists).isPresent()) {
                command.textEncoder = config.textEncoder().get();
            }
            if (!command.spec.commandLine().getParseResult().hasMatchedOption("--precision") && !"cpu".equals(command.backendOptions.backend)) {
                config.precision().ifPresent(value -> command.backendOptions.precision = value.name().toLowerCase(Locale.ROOT));
            }
        }

        private static void requireFlowTimes(final List<Double> values, final String option) {
            for (final Double value : values) {
                if (value == null || !(value > 0 && value <= 1)) {
                    throw invalid(option + " must be flow times in (0, 1], got " + value);
                }
            }
        }

        private static void requireFile(final Path path, final String what) {
            if (path != null && !Files.exists(path)) {
                throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, what + " not found: " + path);
            }
        }

        private static LtxException invalid(final String message) {
            return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
        }
    }
}
