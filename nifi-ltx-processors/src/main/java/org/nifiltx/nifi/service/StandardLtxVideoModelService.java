package org.nifiltx.nifi.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.ConfigVerificationResult.Outcome;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.resource.ResourceCardinality;
import org.apache.nifi.components.resource.ResourceType;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.controller.VerifiableControllerService;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.backend.CpuFeatures;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.inspect.WeightAudit;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.text.TextEncoderModel;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;

/**
 * Opens an LTX-Video checkpoint with the ONNX Runtime backend when enabled and owns every native session until
 * disabled. Sessions open on first use (so enabling is cheap) and are shared by all processors using this service.
 */
@Tags({"ltx", "video", "generation", "text to video", "image to video", "ai", "onnx", "onnxruntime"})
@CapabilityDescription("Loads an LTX-Video model once and lends it to the processors that make videos from text or images: "
        + "EncodePrompt, GenerateLatents and DecodeVideo all reference this service. It reads an LTX-Video 0.9.x checkpoint "
        + "(a single .safetensors file or a diffusers folder), the T5 text encoder and, for multi-scale generation, the latent "
        + "upsampler, and runs them with ONNX Runtime on the CPU or a CUDA GPU. Verify checks the files and the backend "
        + "before enabling; the model's parts are built on first use and freed when the service is disabled.")
@UseCase(
        description = "Provide an LTX-Video model to a text-to-video or image-to-video flow.",
        keywords = {"ltx", "text to video", "model", "checkpoint", "onnx"},
        configuration = """
                Download a checkpoint, e.g. ltxv-2b-0.9.8-distilled.safetensors, and the T5 text encoder (a diffusers folder \
                with text_encoder/ and tokenizer/, or a T5 .gguf file) to a disk the NiFi server reads.
                Set "Model Path" to the checkpoint file (or the diffusers folder of the whole pipeline).
                Set "Text Encoder Path" to the text encoder, unless "Model Path" is a diffusers folder that holds text_encoder/.
                For multi-scale generation set "Latent Upsampler Path" to ltxv-spatial-upscaler-*.safetensors.
                Set "Backend" to CUDA on a GPU machine (the onnxruntime_gpu build and CUDA libraries are needed), else keep CPU.
                On a machine with little memory set "Release Text Encoder After Encoding" to true.
                Run Verify, then enable the service and select it in EncodePrompt, GenerateLatents and DecodeVideo.
                """)
public class StandardLtxVideoModelService extends AbstractControllerService implements LtxVideoModelService,
        VerifiableControllerService {

    public static final PropertyDescriptor MODEL_PATH = new PropertyDescriptor.Builder()
            .name("Model Path")
            .description("The LTX-Video checkpoint: a single .safetensors file or a diffusers pipeline folder.")
            .required(true)
            .identifiesExternalResource(ResourceCardinality.SINGLE, ResourceType.FILE, ResourceType.DIRECTORY)
            .build();
    public static final PropertyDescriptor TEXT_ENCODER_PATH = new PropertyDescriptor.Builder()
            .name("Text Encoder Path")
            .description("The T5 text encoder: a diffusers folder with text_encoder/ and tokenizer/, a text_encoder folder, or a "
                    + "T5 .gguf file. When unset, a diffusers Model Path that carries text_encoder/ is used.")
            .required(false)
            .identifiesExternalResource(ResourceCardinality.SINGLE, ResourceType.FILE, ResourceType.DIRECTORY)
            .build();
    public static final PropertyDescriptor LATENT_UPSAMPLER_PATH = new PropertyDescriptor.Builder()
            .name("Latent Upsampler Path")
            .description("The spatial latent upsampler (ltxv-spatial-upscaler-*.safetensors or its folder); needed for multi-scale.")
            .required(false)
            .identifiesExternalResource(ResourceCardinality.SINGLE, ResourceType.FILE, ResourceType.DIRECTORY)
            .build();
    public static final PropertyDescriptor BACKEND = new PropertyDescriptor.Builder()
            .name("Backend")
            .description("Where ONNX Runtime runs the graphs.")
            .required(true)
            .allowableValues(BackendChoice.class)
            .defaultValue(BackendChoice.CPU)
            .build();
    public static final PropertyDescriptor PRECISION = new PropertyDescriptor.Builder()
            .name("Precision")
            .description("The precision the models compute in. Auto picks int8 on CPUs with int8 dot-product instructions and "
                    + "fp32 elsewhere; the choice is shown by Verify and in the service's log at enable.")
            .required(true)
            .allowableValues(PrecisionChoice.AUTO, PrecisionChoice.FP32, PrecisionChoice.INT8)
            .defaultValue(PrecisionChoice.AUTO.getValue())
            .build();
    public static final PropertyDescriptor WEIGHT_CACHE_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Weight Cache Directory")
            .description("Where int8 weights are kept once quantized, so later enables load them instead of quantizing again. "
                    + "When unset: " + BackendOptions.CACHE_FOLDER + " beside the model, or ~/.cache/nifi-ltx of the NiFi "
                    + "user where the model's folder is read-only.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor INTRA_OP_THREADS = new PropertyDescriptor.Builder()
            .name("Intra-Op Threads")
            .description("ONNX Runtime intra-op threads per session; 0 means one per core.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor RELEASE_TEXT_ENCODER = new PropertyDescriptor.Builder()
            .name("Release Text Encoder After Encoding")
            .description("Close the T5 sessions after each prompt encoding so the transformer has the memory (T5-XXL holds "
                    + "4.7 B parameters); they are rebuilt for the next prompt, which costs time.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_PATH, TEXT_ENCODER_PATH, LATENT_UPSAMPLER_PATH,
            BACKEND, PRECISION, WEIGHT_CACHE_DIRECTORY, INTRA_OP_THREADS, RELEASE_TEXT_ENCODER);

    private volatile LtxModels models;
    private volatile LtxPipeline pipeline;
    private volatile LtxModelInfo modelInfo;
    private volatile boolean releaseTextEncoder;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) {
        final Configuration configuration = Configuration.of(context);
        final Backend backend = Backends.find(configuration.options(), getClass().getClassLoader());
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(configuration.modelPath());
        final TextEncoderModel textEncoder = configuration.openTextEncoder(checkpoint);
        final LatentUpsamplerModel upsampler = configuration.upsamplerPath() == null ? null
                : LatentUpsamplerModel.open(configuration.upsamplerPath());
        // a checkpoint without a weight fails here, not in the first FlowFile's generation
        WeightAudit.requireComplete(WeightAudit.generation(backend, checkpoint, textEncoder, true));
        final LtxModels opened = new LtxModels(checkpoint, textEncoder, upsampler, backend, configuration.options());
        try {
            pipeline = new LtxPipeline(opened);
        } catch (final RuntimeException e) {
            opened.close();
            throw e;
        }
        models = opened;
        releaseTextEncoder = configuration.releaseTextEncoder();
        modelInfo = new LtxModelInfo(checkpoint.vaeConfig().latentChannels(), checkpoint.vaeConfig().spatialCompression(),
                checkpoint.vaeConfig().temporalCompression(), checkpoint.transformerConfig().captionChannels(),
                textEncoder != null, upsampler != null, modelName(configuration.modelPath(), checkpoint));
        getLogger().info("Opened LTX-Video model {} on backend {} in {} (weight cache {})", configuration.modelPath(),
                configuration.options().backend(), describePrecision(configuration), configuration.options().cacheDir());
    }

    /** The checkpoint's file or folder name and the version its VAE shows, e.g. "ltxv-2b-0.9.8-distilled.safetensors (0.9.5+)". */
    static String modelName(final Path modelPath, final LtxCheckpoint checkpoint) {
        final Path name = modelPath.toAbsolutePath().normalize().getFileName();
        return (name == null ? modelPath.toString() : name.toString()) + " (" + checkpoint.modelVersion() + ")";
    }

    @OnDisabled
    public void onDisabled() {
        final LtxModels open = models;
        try {
            if (open != null) {
                open.close();
            }
        } finally {
            // Cleared even when close fails so a half-closed model is never used again.
            models = null;
            pipeline = null;
            modelInfo = null;
        }
    }

    /** The open models, or null while disabled (tests check that disabling frees them). */
    LtxModels models() {
        return models;
    }

    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
            final Map<String, String> variables) {
        final List<ConfigVerificationResult> results = new ArrayList<>();
        final Configuration configuration;
        try {
            configuration = Configuration.of(context);
        } catch (final LtxException e) {
            results.add(result("Configuration", Outcome.FAILED, e.getMessage()));
            return results;
        }
        LtxCheckpoint checkpoint = null;
        try {
            checkpoint = LtxCheckpoint.open(configuration.modelPath());
            results.add(result("Checkpoint", Outcome.SUCCESSFUL, "model version " + checkpoint.modelVersion() + ", "
                    + checkpoint.transformerConfig().numLayers() + " transformer blocks, " + checkpoint.vaeConfig().latentChannels()
                    + " latent channels"));
        } catch (final LtxException e) {
            results.add(result("Checkpoint", Outcome.FAILED, e.getMessage()));
        }
        try {
            final Backend backend = Backends.find(configuration.options(), getClass().getClassLoader());
            results.add(result("Backend", Outcome.SUCCESSFUL, "'" + configuration.options().backend() + "' is available ("
                    + backend.getClass().getSimpleName() + "), computing in " + describePrecision(configuration)));
        } catch (final LtxException e) {
            results.add(result("Backend", Outcome.FAILED, e.getMessage()));
        }
        if (checkpoint != null) {
            TextEncoderModel encoder = null;
            try {
                encoder = configuration.openTextEncoder(checkpoint);
                results.add(result("Text Encoder", encoder == null ? Outcome.SKIPPED : Outcome.SUCCESSFUL,
                        encoder == null ? "no text encoder: EncodePrompt will fail" : "T5 d_model " + encoder.config().dModel()));
            } catch (final LtxException e) {
                results.add(result("Text Encoder", Outcome.FAILED, e.getMessage()));
            }
            try {
                final List<WeightAudit.Finding> findings = WeightAudit.generation(
                        Backends.find(configuration.options(), getClass().getClassLoader()), checkpoint, encoder, true);
                results.add(result("Weights", WeightAudit.problems(findings).isPresent() ? Outcome.FAILED : Outcome.SUCCESSFUL,
                        WeightAudit.problems(findings).orElse("every weight the graphs read is present in the shape the config "
                                + "implies")));
            } catch (final LtxException e) {
                results.add(result("Weights", Outcome.FAILED, e.getMessage()));
            }
        }
        return results;
    }

    /** "int8", or "int8 (auto: avx512_vnni ...)" when Auto chose it, so an operator sees why. */
    private static String describePrecision(final Configuration configuration) {
        final BackendOptions resolved = configuration.options().resolved();
        if (configuration.options().precision() != Precision.AUTO) {
            return resolved.precision().label();
        }
        return resolved.precision().label() + " (auto: " + ("cpu".equals(resolved.backend()) ? CpuFeatures.detect().describe()
                : resolved.backend()) + ")";
    }

    private static ConfigVerificationResult result(final String step, final Outcome outcome, final String explanation) {
        return new ConfigVerificationResult.Builder().verificationStepName(step).outcome(outcome).explanation(explanation).build();
    }

    @Override
    public LtxModelInfo modelInfo() {
        requireEnabled();
        return modelInfo;
    }

    @Override
    public void validate(final GenerationRequest request) {
        requireEnabled().validate(request);
    }

    @Override
    public void validateDecode(final GenerationRequest request) {
        requireEnabled().validateDecode(request);
    }

    @Override
    public PromptPair encodePrompts(final GenerationRequest request, final ProgressListener progress) {
        final LtxPipeline current = requireEnabled();
        try {
            return current.encodePrompts(request, progress);
        } catch (final OutOfMemoryError e) {
            throw outOfMemory("encoding the prompt", e);
        } finally {
            if (releaseTextEncoder) {
                models.releaseTextEncoder();
            }
        }
    }

    @Override
    public GenerationResult generateLatents(final GenerationRequest request, final PromptPair prompts, final NoiseSource noise,
            final ProgressListener progress) {
        final LtxPipeline current = requireEnabled();
        current.validate(request);
        requireEmbeddings(prompts.positive(), PromptEmbeddings.EMBEDDINGS);
        if (request.classifierFreeGuidance()) {
            if (prompts.negative() == null) {
                throw new LtxException(LtxErrorCode.INVALID_TENSOR, "guidance scale " + request.guidanceScale()
                        + " > 1 needs the negative prompt embeddings '" + PromptPair.NEGATIVE_EMBEDDINGS
                        + "'; encode the prompt with the same guidance scale");
            }
            requireEmbeddings(prompts.negative(), PromptPair.NEGATIVE_EMBEDDINGS);
        }
        try {
            return current.generateLatents(request, prompts, noise, progress);
        } catch (final OutOfMemoryError e) {
            throw outOfMemory("denoising", e);
        }
    }

    @Override
    public Tensor decode(final Tensor latents, final GenerationRequest request, final NoiseSource noise,
            final ProgressListener progress) {
        final LtxPipeline current = requireEnabled();
        final int channels = modelInfo.latentChannels();
        if (latents.rank() != 5 || latents.dim(0) != 1 || latents.dim(1) != channels) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "latents must be [1, " + channels + ", frames, height, width], got "
                    + Arrays.toString(latents.shape()));
        }
        latents.requireFinite("latents");
        try {
            return current.decode(latents, request, noise, progress);
        } catch (final OutOfMemoryError e) {
            throw outOfMemory("decoding", e);
        }
    }

    private void requireEmbeddings(final PromptEmbeddings embeddings, final String name) {
        final Tensor tensor = embeddings.embeddings();
        final int width = modelInfo.captionChannels();
        if (tensor.rank() != 3 || tensor.dim(2) != width) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "'" + name + "' must be [batch, tokens, " + width
                    + "] (the transformer's caption_channels), got " + Arrays.toString(tensor.shape()));
        }
        if (embeddings.attentionMask().rank() != 2 || embeddings.attentionMask().dim(1) != tensor.dim(1)) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "the attention mask of '" + name + "' must be [batch, "
                    + tensor.dim(1) + "], got " + Arrays.toString(embeddings.attentionMask().shape()));
        }
        tensor.requireFinite(name);
    }

    private LtxPipeline requireEnabled() {
        final LtxPipeline current = pipeline;
        if (current == null) {
            throw new LtxException(LtxErrorCode.BACKEND_UNAVAILABLE, "the LTX-Video model service is not enabled");
        }
        return current;
    }

    private static LtxException outOfMemory(final String stage, final OutOfMemoryError error) {
        return new LtxException(LtxErrorCode.OUT_OF_MEMORY, "out of memory while " + stage + ": " + error.getMessage()
                + "; lower the size, frame count or the processor's concurrent tasks", error);
    }

    /** The service's properties, read once per enable or verification. */
    private record Configuration(Path modelPath, Path textEncoderPath, Path upsamplerPath, BackendOptions options,
            boolean releaseTextEncoder) {

        static Configuration of(final ConfigurationContext context) {
            final String backend = context.getProperty(BACKEND).getValue();
            final int threads = context.getProperty(INTRA_OP_THREADS).asInteger();
            final Path model = Path.of(context.getProperty(MODEL_PATH).getValue());
            final Path cache = optionalPath(context, WEIGHT_CACHE_DIRECTORY);
            final BackendOptions options = new BackendOptions(backend, Precision.parse(context.getProperty(PRECISION).getValue()),
                    threads, 0, cache != null ? cache : BackendOptions.defaultCacheDir(model));
            return new Configuration(model, optionalPath(context, TEXT_ENCODER_PATH), optionalPath(context, LATENT_UPSAMPLER_PATH),
                    options, context.getProperty(RELEASE_TEXT_ENCODER).asBoolean());
        }

        private static Path optionalPath(final ConfigurationContext context, final PropertyDescriptor property) {
            final String value = context.getProperty(property).getValue();
            return value == null || value.isBlank() ? null : Path.of(value);
        }

        /** The explicit text encoder, else the checkpoint's own (diffusers folder), else none. */
        TextEncoderModel openTextEncoder(final LtxCheckpoint checkpoint) {
            if (textEncoderPath != null) {
                return TextEncoderModel.open(textEncoderPath);
            }
            return checkpoint.textEncoder().isPresent() ? TextEncoderModel.open(modelPath) : null;
        }
    }
}
