package org.nifiltx.nifi.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
import org.apache.nifi.expression.ExpressionLanguageScope;
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
import org.nifiltx.core.lora.LoraAdapter;
import org.nifiltx.core.lora.LoraMerge;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.inspect.WeightAudit;
import org.nifiltx.core.pipeline.DecodeSpec;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.pipeline.LtxPipeline;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.PromptSpec;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.text.TextEncoderModel;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;

/**
 * Opens an LTX-Video checkpoint with the ONNX Runtime backend when enabled and owns every native session until
 * disabled. Enabling builds the sessions (so a model that cannot run fails there); they are shared by all processors
 * using this service, at most "Max Concurrent Runs" calls running in them at once, and freed only when no call uses
 * them ({@link OpenModel}).
 */
@Tags({"ltx", "video", "generation", "text to video", "image to video", "ai", "onnx", "onnxruntime"})
@CapabilityDescription("Loads an LTX-Video model once and lends it to the processors that make videos from text or images: "
        + "EncodePrompt, GenerateLatents and DecodeVideo all reference this service. It reads an LTX-Video 0.9.x checkpoint "
        + "(a single .safetensors file or a diffusers folder), the T5 text encoder and, for multi-scale generation, the latent "
        + "upsampler, and runs them with ONNX Runtime on the CPU or a CUDA GPU. Verify checks the files and the backend "
        + "and builds each part of the model once, with its build time; enabling builds the parts, so a model that cannot run "
        + "fails there with the reason. Disabling stops running generations after their current step (their FlowFiles go "
        + "back to the queue) and frees the model once no call uses it.")
@UseCase(
        description = "Provide an LTX-Video model to a text-to-video or image-to-video flow.",
        keywords = {"ltx", "text to video", "model", "checkpoint", "onnx"},
        configuration = """
                Download a checkpoint, e.g. ltxv-2b-0.9.8-distilled.safetensors, and the T5 text encoder (a diffusers folder \
                with text_encoder/ and tokenizer/, or a T5 .gguf file) to a disk the NiFi server reads.
                Set "Model Path" to the checkpoint file (or the diffusers folder of the whole pipeline).
                Set "Text Encoder Path" to the text encoder, unless "Model Path" is a diffusers folder that holds text_encoder/.
                For multi-scale generation set "Latent Upsampler Path" to ltxv-spatial-upscaler-*.safetensors.
                To apply LoRA adapters, list them in "LoRA Adapters" as path[:scale], comma-separated.
                Set "Backend" to cuda on a GPU machine (the onnxruntime_gpu build and CUDA libraries are needed), else keep cpu; \
                with several GPUs, "Device Index" picks one (one service per GPU). In a cluster whose nodes differ, take both \
                from each node's environment: ${LTX_BACKEND:replaceNull('cpu')} and ${LTX_DEVICE:replaceNull(0)}.
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
    public static final PropertyDescriptor LORA_ADAPTERS = new PropertyDescriptor.Builder()
            .name("LoRA Adapters")
            .description("LoRA adapters merged into the transformer weights when the service is enabled: a comma-separated list "
                    + "of path[:scale] (scale 1 when absent), e.g. /models/style.safetensors:0.8, /models/detail.safetensors. "
                    + "Files in the diffusers/PEFT, ComfyUI (lora_A/lora_B) or kohya (lora_down/lora_up with alpha) layout; "
                    + "each layer becomes W + scale x alpha/rank x B.A. Merging costs time and memory at enable (merged layers "
                    + "are held in float32), nothing per video. Verify checks that every adapter fits the model.")
            .required(false)
            .addValidator(LoraAdaptersValidator.INSTANCE)
            .build();
    public static final PropertyDescriptor BACKEND = new PropertyDescriptor.Builder()
            .name("Backend")
            .description("Where ONNX Runtime runs the graphs: cpu (the ONNX Runtime CPU execution provider) or cuda (the GPU of "
                    + "Device Index; needs the onnxruntime_gpu build and CUDA libraries). May come from the node's environment "
                    + "or system properties, e.g. ${LTX_BACKEND:replaceNull('cpu')}, so CPU-only and GPU nodes of a cluster "
                    + "share one flow; the value is checked on each node after evaluation.")
            .required(true)
            .defaultValue(BackendChoice.CPU.getValue())
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(NodeSetting.BACKEND)
            .build();
    public static final PropertyDescriptor PRECISION = new PropertyDescriptor.Builder()
            .name("Precision")
            .description("The precision the models compute in: auto, fp32, int8 or bf16. Auto picks int8 on CPUs with int8 "
                    + "dot-product instructions and fp32 elsewhere; the choice is shown by Verify, in the service's log at "
                    + "enable and in the provenance of each FlowFile. May come from the node's environment, e.g. "
                    + "${LTX_PRECISION:replaceNull('auto')}. int8: int8 weights and dynamically quantized activations in the "
                    + "large linear layers and convolutions (CPU only, frames within 35 dB PSNR of fp32); bf16: weights held "
                    + "as bf16, computed in fp32 (half the memory).")
            .required(true)
            .defaultValue(PrecisionChoice.AUTO.getValue())
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(NodeSetting.PRECISION)
            .build();
    public static final PropertyDescriptor WEIGHT_CACHE_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Weight Cache Directory")
            .description("Where int8 weights are kept once quantized, so later enables load them instead of quantizing again. "
                    + "When unset: " + BackendOptions.CACHE_FOLDER + " beside the model, or ~/.cache/nifi-ltx of the NiFi "
                    + "user where the model's folder is read-only.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor DEVICE_INDEX = new PropertyDescriptor.Builder()
            .name("Device Index")
            .description("The CUDA device (GPU ordinal, as nvidia-smi numbers them) the sessions run on; the CPU backend "
                    + "ignores it. In a cluster each node picks its own GPU from its environment or system properties, e.g. "
                    + "${LTX_DEVICE:replaceNull(0)}; the value is checked on each node after evaluation.")
            .required(true)
            .defaultValue("0")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(NodeSetting.DEVICE_INDEX)
            .build();
    public static final PropertyDescriptor MAX_CONCURRENT_RUNS = new PropertyDescriptor.Builder()
            .name("Max Concurrent Runs")
            .description("How many model runs (a prompt encoding, a generation, a decoding) may be inside the backend at "
                    + "once, across all processors using this service; the others wait in line, and a processor stopped "
                    + "while its FlowFile waits gives the FlowFile back. 1 suits a CPU or a single GPU: one run already uses "
                    + "every core, and more runs need more memory.")
            .required(true)
            .defaultValue("1")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor INTRA_OP_THREADS = new PropertyDescriptor.Builder()
            .name("Intra-Op Threads")
            .description("ONNX Runtime intra-op threads per session. 0: one per core when Max Concurrent Runs is 1, else "
                    + "the cores divided between the runs (cores / Max Concurrent Runs, at least 1) so they do not compete "
                    + "for them.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor RELEASE_TEXT_ENCODER = new PropertyDescriptor.Builder()
            .name("Release Text Encoder After Encoding")
            .description("Close the T5 sessions after prompt encoding so the transformer has the memory (T5-XXL holds "
                    + "4.7 B parameters); they are closed when no other encoding is using them and rebuilt for the next "
                    + "prompt, which costs time. Enabling still builds them once, to prove they work.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();
    public static final PropertyDescriptor DISABLE_TIMEOUT = new PropertyDescriptor.Builder()
            .name("Disable Timeout")
            .description("How long disabling waits for running calls. Generations stop at their next denoising step and "
                    + "their FlowFiles go back to the queue; a prompt encoding or a decoding runs to its end. Sessions still "
                    + "in use after this time are freed when their call ends.")
            .required(true)
            .defaultValue("60 sec")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_PATH, TEXT_ENCODER_PATH, LATENT_UPSAMPLER_PATH,
            LORA_ADAPTERS, BACKEND, DEVICE_INDEX, PRECISION, WEIGHT_CACHE_DIRECTORY, MAX_CONCURRENT_RUNS, INTRA_OP_THREADS,
            RELEASE_TEXT_ENCODER, DISABLE_TIMEOUT);

    /** The enabled model, or null while disabled or disabling. */
    private volatile OpenModel open;
    private volatile Duration disableTimeout = Duration.ofSeconds(60);

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    /** The backend of {@code options}; a seam so tests can watch what runs inside it. */
    Backend backend(final BackendOptions options) {
        return Backends.find(options, getClass().getClassLoader());
    }

    /**
     * Opens the files and builds every session the configuration needs ({@link ModelPart#AT_ENABLE}), so a model that
     * cannot run fails here with the reason, not at the first FlowFile.
     */
    @OnEnabled
    public void onEnabled(final ConfigurationContext context) {
        final ServiceConfiguration configuration = ServiceConfiguration.of(context);
        final Backend backend = backend(configuration.options());
        final LtxCheckpoint checkpoint = LoraMerge.apply(LtxCheckpoint.open(configuration.modelPath()), configuration.loras());
        final TextEncoderModel textEncoder = configuration.openTextEncoder(checkpoint);
        final LatentUpsamplerModel upsampler = configuration.upsamplerPath() == null ? null
                : LatentUpsamplerModel.open(configuration.upsamplerPath());
        // a checkpoint without a weight fails here, not in the first FlowFile's generation
        WeightAudit.requireComplete(WeightAudit.generation(backend, checkpoint, textEncoder, true));
        final LtxModels opened = new LtxModels(checkpoint, textEncoder, upsampler, backend, configuration.options());
        final LtxPipeline pipeline;
        try {
            pipeline = new LtxPipeline(opened);
            for (final ModelPart part : ModelPart.AT_ENABLE) {
                if (part.configured(opened)) {
                    getLogger().info("Built the {} in {} ms", part.displayName(), part.build(opened));
                }
                if (part == ModelPart.TEXT_ENCODER && configuration.releaseTextEncoder()) {
                    opened.releaseTextEncoder();
                }
            }
        } catch (final RuntimeException | OutOfMemoryError e) {
            opened.close();
            throw e;
        }
        final LtxModelInfo info = new LtxModelInfo(checkpoint.vaeConfig().latentChannels(),
                checkpoint.vaeConfig().spatialCompression(), checkpoint.vaeConfig().temporalCompression(),
                checkpoint.transformerConfig().captionChannels(), textEncoder != null, upsampler != null,
                modelName(configuration.modelPath(), checkpoint), configuration.placement());
        disableTimeout = configuration.disableTimeout();
        open = new OpenModel(opened, pipeline, info, configuration.maxConcurrentRuns(), configuration.releaseTextEncoder());
        getLogger().info("Opened LTX-Video model {} on backend {} (device {}) in {} (weight cache {}), {} concurrent run(s) "
                + "of {} intra-op threads", configuration.modelPath(), configuration.options().backend(),
                configuration.options().deviceId(), describePrecision(configuration), configuration.options().cacheDir(),
                configuration.maxConcurrentRuns(), configuration.options().threads() == 0 ? "default"
                        : String.valueOf(configuration.options().threads()));
        if (!configuration.loras().isEmpty()) {
            getLogger().info("LoRA adapters merged: {}", checkpoint.transformerWeights().variant());
        }
    }

    /** The checkpoint's file or folder name and the version its VAE shows, e.g. "ltxv-2b-0.9.8-distilled.safetensors (0.9.5+)". */
    static String modelName(final Path modelPath, final LtxCheckpoint checkpoint) {
        final Path name = modelPath.toAbsolutePath().normalize().getFileName();
        return (name == null ? modelPath.toString() : name.toString()) + " (" + checkpoint.modelVersion() + ")";
    }

    /**
     * Refuses new calls, stops running generations at their next step and waits (Disable Timeout) for the running
     * calls before freeing the sessions; a call still running after that frees them when it ends.
     */
    @OnDisabled
    public void onDisabled() {
        final OpenModel closing = open;
        // Cleared first, so calls arriving from now on are refused as "not enabled" and their processors yield.
        open = null;
        if (closing != null && !closing.close(disableTimeout)) {
            getLogger().warn("{} call(s) still use the LTX-Video model after {} ms; its sessions are freed when they end",
                    closing.leases(), disableTimeout.toMillis());
        }
    }

    /** The open models, or null while disabled (tests check that disabling frees them). */
    LtxModels models() {
        final OpenModel current = open;
        return current == null ? null : current.models();
    }

    /** The enabled model (tests). */
    OpenModel openModel() {
        return open;
    }

    /**
     * Checks the files and the backend, then builds each session the configuration needs and closes it again (one at
     * a time, so Verify needs no more memory than the largest), reporting each with its build time.
     */
    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
            final Map<String, String> variables) {
        final List<ConfigVerificationResult> results = new ArrayList<>();
        final ServiceConfiguration configuration;
        try {
            configuration = ServiceConfiguration.of(context);
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
        Backend backend = null;
        try {
            backend = backend(configuration.options());
            results.add(result("Backend", Outcome.SUCCESSFUL, "'" + configuration.options().backend() + "' device "
                    + configuration.options().deviceId() + " is available (" + backend.getClass().getSimpleName()
                    + "), computing in " + describePrecision(configuration)));
        } catch (final LtxException e) {
            results.add(result("Backend", Outcome.FAILED, e.getMessage()));
        }
        if (checkpoint != null && !configuration.loras().isEmpty()) {
            results.add(verifyLoras(checkpoint, configuration.loras()));
        }
        new PartVerification(configuration, checkpoint, backend, results).run();
        if (checkpoint != null && backend != null) {
            results.add(verifyWeights(configuration, checkpoint, backend));
        }
        return results;
    }

    /** Every weight the graphs read, present in the shape the config implies (no session is built for this). */
    private static ConfigVerificationResult verifyWeights(final ServiceConfiguration configuration, final LtxCheckpoint checkpoint,
            final Backend backend) {
        try {
            final List<WeightAudit.Finding> findings = WeightAudit.generation(backend, checkpoint,
                    configuration.openTextEncoder(checkpoint), true);
            return result("Weights", WeightAudit.problems(findings).isPresent() ? Outcome.FAILED : Outcome.SUCCESSFUL,
                    WeightAudit.problems(findings).orElse("every weight the graphs read is present in the shape the config implies"));
        } catch (final LtxException e) {
            return result("Weights", Outcome.FAILED, e.getMessage());
        }
    }

    /** Reads every adapter and checks it against the transformer, without the cost of merging. */
    private static ConfigVerificationResult verifyLoras(final LtxCheckpoint checkpoint, final List<LoraSpec> loras) {
        try {
            final List<LoraAdapter> adapters = LoraMerge.check(checkpoint.transformerWeights(), loras);
            final List<String> described = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                described.add(adapters.get(i).file().getFileName() + " x" + loras.get(i).scale() + " (" + adapters.get(i).format()
                        + ", " + adapters.get(i).modules().size() + " layers)");
            }
            return result("LoRA Adapters", Outcome.SUCCESSFUL, "fit the transformer: " + String.join(", ", described));
        } catch (final LtxException e) {
            return result("LoRA Adapters", Outcome.FAILED, e.getMessage());
        }
    }

    /** "int8", or "int8 (auto: avx512_vnni ...)" when Auto chose it, so an operator sees why. */
    private static String describePrecision(final ServiceConfiguration configuration) {
        final BackendOptions resolved = configuration.options().resolved();
        if (configuration.options().precision() != Precision.AUTO) {
            return resolved.precision().label();
        }
        return resolved.precision().label() + " (auto: " + ("cpu".equals(resolved.backend()) ? CpuFeatures.detect().describe()
                : resolved.backend()) + ")";
    }

    static ConfigVerificationResult result(final String step, final Outcome outcome, final String explanation) {
        return new ConfigVerificationResult.Builder().verificationStepName(step).outcome(outcome).explanation(explanation).build();
    }

    @Override
    public LtxModelInfo modelInfo() {
        return requireEnabled().info();
    }

    @Override
    public void validate(final GenerationRequest request) {
        final OpenModel model = requireEnabled();
        try (OpenModel.Lease lease = model.lease()) {
            model.pipeline().validate(request);
        }
    }

    @Override
    public void validateDecode(final DecodeSpec spec) {
        final OpenModel model = requireEnabled();
        try (OpenModel.Lease lease = model.lease()) {
            model.pipeline().validateDecode(spec);
        }
    }

    @Override
    public PromptPair encodePrompts(final PromptSpec spec, final ProgressListener progress) {
        return run("encoding the prompt", progress, model -> spec.validate(), (model, listener) -> model.encodePrompts(spec, listener));
    }

    @Override
    public GenerationResult generateLatents(final GenerationRequest request, final PromptPair prompts, final NoiseSource noise,
            final ProgressListener progress) {
        return run("denoising", progress, model -> {
            model.pipeline().validate(request);
            requireEmbeddings(model, prompts.positive(), PromptEmbeddings.EMBEDDINGS);
            if (request.classifierFreeGuidance()) {
                if (prompts.negative() == null) {
                    throw new LtxException(LtxErrorCode.INVALID_TENSOR, "guidance scale " + request.guidanceScale()
                            + " > 1 needs the negative prompt embeddings '" + PromptPair.NEGATIVE_EMBEDDINGS
                            + "'; encode the prompt with classifier-free guidance");
                }
                requireEmbeddings(model, prompts.negative(), PromptPair.NEGATIVE_EMBEDDINGS);
            }
        }, (model, listener) -> model.pipeline().generateLatents(request, prompts, noise, listener));
    }

    @Override
    public Tensor decode(final Tensor latents, final DecodeSpec spec, final NoiseSource noise,
            final ProgressListener progress) {
        return run("decoding", progress, model -> {
            final int channels = model.info().latentChannels();
            if (latents.rank() != 5 || latents.dim(0) != 1 || latents.dim(1) != channels) {
                throw new LtxException(LtxErrorCode.INVALID_TENSOR, "latents must be [1, " + channels
                        + ", frames, height, width], got " + Arrays.toString(latents.shape()));
            }
            latents.requireFinite("latents");
        }, (model, listener) -> model.pipeline().decode(latents, spec, noise, listener));
    }

    /** A model run: checks of the input that need no permit, then the run itself. */
    private interface Run<T> {
        T run(OpenModel model, ProgressListener progress);
    }

    /**
     * One call: a lease on the enabled model for its whole length, the checks, then a run permit (waiting in line,
     * given up when the processor stops or the service is disabled) for the run.
     */
    private <T> T run(final String stage, final ProgressListener progress, final Consumer<OpenModel> check, final Run<T> run) {
        final OpenModel model = requireEnabled();
        try (OpenModel.Lease lease = model.lease()) {
            check.accept(model);
            final ProgressListener stoppable = model.stoppable(progress);
            try (RunPermits.Permit permit = model.permits().acquire(stoppable)) {
                return run.run(model, stoppable);
            }
        } catch (final OutOfMemoryError e) {
            throw outOfMemory(stage, e);
        } catch (final LtxException e) {
            if (e.code() == LtxErrorCode.CANCELLED && model.closing()) {
                throw new LtxException(LtxErrorCode.CANCELLED, "the LTX-Video model service is being disabled: "
                        + e.getMessage(), e);
            }
            throw e;
        }
    }

    private static void requireEmbeddings(final OpenModel model, final PromptEmbeddings embeddings, final String name) {
        final Tensor tensor = embeddings.embeddings();
        final int width = model.info().captionChannels();
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

    private OpenModel requireEnabled() {
        final OpenModel current = open;
        if (current == null) {
            throw OpenModel.notEnabled();
        }
        return current;
    }

    private static LtxException outOfMemory(final String stage, final OutOfMemoryError error) {
        return new LtxException(LtxErrorCode.OUT_OF_MEMORY, "out of memory while " + stage + ": " + error.getMessage()
                + "; lower the size, frame count or the processor's concurrent tasks", error);
    }
}
