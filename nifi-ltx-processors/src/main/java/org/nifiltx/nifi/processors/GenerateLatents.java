package org.nifiltx.nifi.processors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.migration.PropertyConfiguration;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Condition;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.StageMetadata;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;

@Tags({"ltx", "video", "generation", "text to video", "image to video", "diffusion", "keyframe", "ai"})
@CapabilityDescription("Generates a video from an encoded prompt: the middle of the three steps EncodePrompt, GenerateLatents "
        + "and DecodeVideo, and the one that takes the time. The video's frame count, size, frame rate, seed and quality "
        + "settings are properties that accept Expression Language, so every FlowFile can ask for its own; a value that does "
        + "not fit sends that FlowFile to failure with the reason in ltx.error. When the content carries an image (EncodePrompt "
        + "with Image Source 'FlowFile Content') the video starts from it, or passes through it at the Conditioning Frame. "
        + "Progress shows as one log line and one 'LTX denoising steps' count per step; stopping the processor stops the "
        + "generation after the current step and leaves the FlowFile in its queue. Technically: the LTX-Video transformer's "
        + "denoising loop, writing the normalised latents [1, C, F, h, w] as the safetensors tensor 'latents' for DecodeVideo. "
        + "The compatibility and whether the negative prompt was encoded come from the encoded prompt's metadata; the "
        + "latents' metadata records the size, frame rate, compatibility, seed and steps, which DecodeVideo reads.")
@InputRequirement(Requirement.INPUT_REQUIRED)
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "The transformer and its activations; grows with "
        + "frames x height x width.")
@SystemResourceConsideration(resource = SystemResource.CPU, description = "Each step runs the transformer once per guidance branch.")
@SeeAlso({EncodePrompt.class, DecodeVideo.class})
@WritesAttributes({
    @WritesAttribute(attribute = LtxAttributes.STAGE, description = "latents"),
    @WritesAttribute(attribute = LtxAttributes.NUM_FRAMES, description = "Requested frame count"),
    @WritesAttribute(attribute = LtxAttributes.HEIGHT, description = "Requested height in pixels"),
    @WritesAttribute(attribute = LtxAttributes.WIDTH, description = "Requested width in pixels"),
    @WritesAttribute(attribute = LtxAttributes.FRAME_RATE, description = "Frames per second"),
    @WritesAttribute(attribute = LtxAttributes.SEED, description = "Seed of the noise, also the random one drawn when Seed is "
            + "empty; written on retry and failure too, so a retried FlowFile makes the same video"),
    @WritesAttribute(attribute = LtxAttributes.STEPS, description = "Denoising steps run (all passes)"),
    @WritesAttribute(attribute = LtxAttributes.COMPAT, description = "Reference semantics (OFFICIAL or DIFFUSERS)"),
    @WritesAttribute(attribute = LtxAttributes.GUIDANCE_SCALE, description = "Classifier-free guidance scale"),
    @WritesAttribute(attribute = LtxAttributes.CONDITIONING_FRAME, description = "Frame the conditioning image was placed on "
            + "(only with a conditioning image)"),
    @WritesAttribute(attribute = LtxAttributes.CONDITIONING_STRENGTH, description = "Strength of the conditioning image (only "
            + "with a conditioning image)"),
    @WritesAttribute(attribute = LtxAttributes.LATENT_SHAPE, description = "Shape of the latents tensor"),
    @WritesAttribute(attribute = LtxAttributes.BACKEND, description = "The backend that ran the model on this node (cpu, cuda)"),
    @WritesAttribute(attribute = LtxAttributes.DEVICE, description = "The device ordinal it ran on (0 on the CPU)"),
    @WritesAttribute(attribute = LtxAttributes.PRECISION, description = "The precision the model computed in (Auto resolved)"),
    @WritesAttribute(attribute = LtxAttributes.NODE, description = "The cluster node that ran it (absent on a standalone server)"),
    @WritesAttribute(attribute = LtxAttributes.DURATION_GENERATE, description = "Milliseconds the generation took"),
    @WritesAttribute(attribute = LtxAttributes.ERROR, description = "Why the FlowFile went to failure or retry (removed on "
            + "success)")
})
public class GenerateLatents extends AbstractLtxProcessor {
    /** The tensor name of the content this processor writes and DecodeVideo reads. */
    public static final String LATENTS_TENSOR = "latents";

    public static final PropertyDescriptor MODEL_SERVICE = LtxProperties.MODEL_SERVICE;
    public static final PropertyDescriptor NUM_FRAMES = number("Num Frames", "Frames of the video, 8N+1 (121 is about 5 s at "
            + "25 fps).", Defaults.NUM_FRAMES, NumberRule.FRAME_COUNT);
    public static final PropertyDescriptor HEIGHT = number("Height", "Height in pixels, a multiple of 32.", Defaults.HEIGHT,
            NumberRule.PIXEL_SIZE);
    public static final PropertyDescriptor WIDTH = number("Width", "Width in pixels, a multiple of 32.", Defaults.WIDTH,
            NumberRule.PIXEL_SIZE);
    public static final PropertyDescriptor FRAME_RATE = number("Frame Rate", "Frames per second, a number above 0; conditions "
            + "the motion and is the rate of the encoded video.", Defaults.FRAME_RATE, NumberRule.POSITIVE);
    public static final PropertyDescriptor SCHEDULE = new PropertyDescriptor.Builder()
            .name("Schedule")
            .description("Whether the denoising follows an explicit list of Timesteps (the distilled models) or a number of "
                    + "Steps on the checkpoint's scheduler.")
            .required(true)
            .allowableValues(DenoisingSchedule.class)
            .defaultValue(DenoisingSchedule.TIMESTEPS)
            .build();
    public static final PropertyDescriptor TIMESTEPS = new PropertyDescriptor.Builder()
            .name("Timesteps")
            .description("Flow times of the (first) pass, comma-separated, each in (0, 1], one denoising step each; the "
                    + "default is the 0.9.8 distilled list.")
            .required(true)
            .defaultValue(join(Defaults.TIMESTEPS))
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberListValidator.TIMESTEPS)
            .dependsOn(SCHEDULE, DenoisingSchedule.TIMESTEPS)
            .build();
    public static final PropertyDescriptor STEPS = new PropertyDescriptor.Builder()
            .fromPropertyDescriptor(number("Steps", "Denoising steps on the checkpoint's scheduler, at least 1.", Defaults.STEPS,
                    NumberRule.POSITIVE_INTEGER))
            .dependsOn(SCHEDULE, DenoisingSchedule.STEPS)
            .build();
    public static final PropertyDescriptor GUIDANCE_SCALE = number("Guidance Scale", "Classifier-free guidance scale, a number "
            + "of at least 0; above 1 it uses the negative prompt, which doubles the work per step, and needs content encoded "
            + "with EncodePrompt's Classifier-Free Guidance set to true (else the FlowFile goes to failure). 1 (off) suits the "
            + "distilled models.", Defaults.GUIDANCE_SCALE, NumberRule.NON_NEGATIVE);
    public static final PropertyDescriptor RESCALE = new PropertyDescriptor.Builder()
            .name("Rescale")
            .description("A number in [0, 1]. Official: the rescaling of the spatio-temporal guidance; diffusers: "
                    + "guidance_rescale of the classifier-free guidance. Unset: the default of the content's compatibility ("
                    + Defaults.OFFICIAL_RESCALE + " official, " + Defaults.DIFFUSERS_RESCALE + " diffusers).")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.UNIT_INTERVAL)
            .build();
    public static final PropertyDescriptor STG_SCALE = new PropertyDescriptor.Builder()
            .name("STG Scale")
            .description("Spatio-temporal guidance scale, a number of at least 0; unset or 0 turns it off. Above 0 it needs "
                    + "STG Blocks and adds a transformer run per step.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.NON_NEGATIVE)
            .build();
    public static final PropertyDescriptor STG_BLOCKS = new PropertyDescriptor.Builder()
            .name("STG Blocks")
            .description("Transformer blocks whose self-attention the STG-perturbed pass skips, comma-separated (e.g. 19 for "
                    + "the 2B models).")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberListValidator.BLOCK_INDICES)
            .dependsOn(STG_SCALE)
            .build();
    public static final PropertyDescriptor SEED = LtxProperties.SEED;
    public static final PropertyDescriptor NOISE_FILE = LtxProperties.NOISE_FILE;
    public static final PropertyDescriptor MULTI_SCALE = new PropertyDescriptor.Builder()
            .name("Multi-Scale")
            .description("Two passes with the latent upsampler between them: the first at 2/3 of the size, the second at full "
                    + "size. Needs the model service's Latent Upsampler Path, and a height and width of at least 64.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();
    public static final PropertyDescriptor SECOND_PASS_TIMESTEPS = new PropertyDescriptor.Builder()
            .name("Second Pass Timesteps")
            .description("Flow times of the multi-scale second pass, comma-separated, each in (0, 1].")
            .required(true)
            .defaultValue(join(Defaults.SECOND_PASS_TIMESTEPS))
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberListValidator.TIMESTEPS)
            .dependsOn(MULTI_SCALE, "true")
            .build();
    public static final PropertyDescriptor CONDITIONING_IMAGE = new PropertyDescriptor.Builder()
            .name("Conditioning Image")
            .description("Whether an image EncodePrompt carried in the content (Image Source 'FlowFile Content') conditions "
                    + "the video.")
            .required(true)
            .allowableValues(ConditioningImage.class)
            .defaultValue(ConditioningImage.USE_IF_PRESENT)
            .build();
    public static final PropertyDescriptor CONDITIONING_FRAME = new PropertyDescriptor.Builder()
            .fromPropertyDescriptor(number("Conditioning Frame", "Frame of the video the image is placed on: 0 is image-to-video "
                    + "(the image is the first frame), a later frame makes it a keyframe. Must lie before Num Frames.", 0,
                    NumberRule.NON_NEGATIVE_INTEGER))
            .dependsOn(CONDITIONING_IMAGE, ConditioningImage.USE_IF_PRESENT)
            .build();
    public static final PropertyDescriptor CONDITIONING_STRENGTH = new PropertyDescriptor.Builder()
            .fromPropertyDescriptor(number("Conditioning Strength", "How firmly the image holds, in [0, 1]: 1 pins its frame, "
                    + "s < 1 lets the denoising change it from noise level 1 - s.", 1.0, NumberRule.UNIT_INTERVAL))
            .dependsOn(CONDITIONING_IMAGE, ConditioningImage.USE_IF_PRESENT)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_SERVICE, NUM_FRAMES, HEIGHT, WIDTH, FRAME_RATE,
            SCHEDULE, TIMESTEPS, STEPS, GUIDANCE_SCALE, RESCALE, STG_SCALE, STG_BLOCKS, SEED, NOISE_FILE, MULTI_SCALE,
            SECOND_PASS_TIMESTEPS, CONDITIONING_IMAGE, CONDITIONING_FRAME, CONDITIONING_STRENGTH);

    private volatile LtxVideoModelService service;
    private volatile DenoisingSchedule schedule;
    private volatile boolean multiScale;
    private volatile boolean useImage;

    /** A per-FlowFile number with its rule and default. */
    private static PropertyDescriptor number(final String name, final String description, final Number defaultValue,
            final NumberRule rule) {
        return new PropertyDescriptor.Builder().name(name).description(description).required(true)
                .defaultValue(rule.integer() ? String.valueOf(defaultValue.longValue()) : String.valueOf(defaultValue.doubleValue()))
                .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES).addValidator(rule).build();
    }

    private static String join(final List<Double> values) {
        return String.join(", ", values.stream().map(String::valueOf).toList());
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    /**
     * Flows from before the Schedule property ran Steps unless Timesteps was set: they keep doing so. Compatibility is
     * no longer set here: the encoded prompt carries EncodePrompt's.
     */
    @Override
    public void migrateProperties(final PropertyConfiguration config) {
        if (!config.isPropertySet(SCHEDULE) && config.isPropertySet(STEPS) && !config.isPropertySet(TIMESTEPS)) {
            config.setProperty(SCHEDULE, DenoisingSchedule.STEPS.getValue());
        }
        config.removeProperty(LtxProperties.OLD_COMPAT);
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final boolean multi = context.getProperty(MULTI_SCALE).asBoolean();
        final LtxModelInfo info = enabledModel(context);
        if (multi && info != null && !info.upsamplerAvailable()) {
            results.add(invalid(MULTI_SCALE, "true", "Multi-Scale needs a latent upsampler: set the Latent Upsampler Path of "
                    + "the LTX-Video model service"));
        }
        final boolean conditioning = context.getProperty(CONDITIONING_IMAGE).asAllowableValue(ConditioningImage.class)
                == ConditioningImage.USE_IF_PRESENT;
        crossRules(new CrossValues(literal(context, NUM_FRAMES), literal(context, HEIGHT), literal(context, WIDTH),
                literal(context, STG_SCALE), context.getProperty(STG_SCALE).isSet(), context.getProperty(STG_BLOCKS).isSet(),
                multi, conditioning ? literal(context, CONDITIONING_FRAME) : null),
                (property, problem) -> results.add(invalid(property, context.getProperty(property).getValue(), problem)));
        return results;
    }

    private static ValidationResult invalid(final PropertyDescriptor property, final String input, final String explanation) {
        return new ValidationResult.Builder().subject(property.getName()).input(input).valid(false).explanation(explanation).build();
    }

    /** A literal number of a valid property, or null for an expression or no value. */
    private static Double literal(final ValidationContext context, final PropertyDescriptor property) {
        final String value = context.getProperty(property).getValue();
        if (value == null || value.isBlank() || context.isExpressionLanguagePresent(value)) {
            return null;
        }
        return NumberRule.parse(value);
    }

    /** The referenced model's dimensions when its service is enabled, else null (then only the processor's rules apply). */
    private static LtxModelInfo enabledModel(final ValidationContext context) {
        final String id = context.getProperty(MODEL_SERVICE).getValue();
        if (id == null || !context.getControllerServiceLookup().isControllerServiceEnabled(id)) {
            return null;
        }
        final LtxVideoModelService model = context.getProperty(MODEL_SERVICE).asControllerService(LtxVideoModelService.class);
        try {
            return model == null ? null : model.modelInfo();
        } catch (final RuntimeException e) {
            return null;
        }
    }

    /** The values the rules between properties read; null where unknown (an expression, or a value already refused). */
    private record CrossValues(Double numFrames, Double height, Double width, Double stgScale, boolean stgScaleSet,
            boolean stgBlocksSet, boolean multiScale, Double conditioningFrame) {
    }

    private interface Problems {
        void add(PropertyDescriptor property, String problem);
    }

    /** Rules between properties, the same on the canvas (literal values) and per FlowFile (evaluated values). */
    private static void crossRules(final CrossValues values, final Problems problems) {
        final int smallest = 2 * NumberRule.SPATIAL_COMPRESSION;
        if (values.multiScale()) {
            if (values.height() != null && values.height() < smallest) {
                problems.add(HEIGHT, values.height().intValue() + " is below " + smallest
                        + ", the smallest size Multi-Scale allows");
            }
            if (values.width() != null && values.width() < smallest) {
                problems.add(WIDTH, values.width().intValue() + " is below " + smallest
                        + ", the smallest size Multi-Scale allows");
            }
        }
        if (values.stgScale() != null && values.stgScale() > 0 && !values.stgBlocksSet()) {
            problems.add(STG_BLOCKS, "STG Scale " + values.stgScale() + " needs at least one transformer block to skip");
        }
        if (values.conditioningFrame() != null && values.numFrames() != null
                && values.conditioningFrame() >= values.numFrames()) {
            problems.add(CONDITIONING_FRAME, values.conditioningFrame().intValue()
                    + " is not before the end of the video (Num Frames " + values.numFrames().intValue() + ")");
        }
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        service = context.getProperty(MODEL_SERVICE).asControllerService(LtxVideoModelService.class);
        schedule = context.getProperty(SCHEDULE).asAllowableValue(DenoisingSchedule.class);
        multiScale = context.getProperty(MULTI_SCALE).asBoolean();
        useImage = context.getProperty(CONDITIONING_IMAGE).asAllowableValue(ConditioningImage.class)
                == ConditioningImage.USE_IF_PRESENT;
    }

    @Override
    String stage() {
        return "generate";
    }

    @Override
    String successCounter() {
        return "LTX latents generated";
    }

    @Override
    StageOutput process(final ProcessContext context, final ProcessSession session, final FlowFile flowFile,
            final Map<String, String> trail) {
        // 1. Every setting of this FlowFile, all problems at once, before the content is even read.
        final FlowFileSettings settings = new FlowFileSettings(context, flowFile);
        final long seed = settings.seed(SEED);
        // No prompt: the prompts arrive encoded, and what they were encoded for is read from the content below.
        final GenerationRequest.Builder builder = GenerationRequest.builder()
                .numFrames(settings.integer(NUM_FRAMES)).height(settings.integer(HEIGHT)).width(settings.integer(WIDTH))
                .frameRate(settings.decimal(FRAME_RATE)).guidanceScale(settings.decimal(GUIDANCE_SCALE)).multiScale(multiScale);
        final Double rescale = settings.optionalDecimal(RESCALE);
        if (schedule == DenoisingSchedule.TIMESTEPS) {
            final List<Double> timesteps = settings.numbers(TIMESTEPS);
            builder.timesteps(timesteps).steps(timesteps == null ? 1 : timesteps.size());
        } else {
            builder.steps(settings.integer(STEPS)).timesteps(null);
        }
        final double stgScale = settings.decimal(STG_SCALE, Defaults.STG_SCALE);
        // STG Blocks only applies (and may only be read) when STG Scale is set.
        final boolean stgScaleSet = context.getProperty(STG_SCALE).isSet();
        final boolean stgBlocksSet = stgScaleSet && settings.text(STG_BLOCKS) != null;
        builder.stgScale(stgScale).stgBlocks(stgBlocksSet ? settings.integers(STG_BLOCKS) : List.of());
        if (multiScale) {
            builder.secondPassTimesteps(settings.numbers(SECOND_PASS_TIMESTEPS));
        }
        final String noiseFile = settings.text(NOISE_FILE);
        if (settings.valid()) {
            final GenerationRequest sizes = builder.build();
            crossRules(new CrossValues(null, (double) sizes.height(), (double) sizes.width(), stgScale, true,
                    stgBlocksSet, multiScale, null), settings::problem);
        }
        final LtxModelInfo info = service.modelInfo();
        if (multiScale && !info.upsamplerAvailable()) {
            settings.problem(MULTI_SCALE, "true needs a latent upsampler, and the model service has no Latent Upsampler Path");
        }
        settings.check();
        trail.put(LtxAttributes.SEED, String.valueOf(seed));

        // 2. The content: the encoded prompt with what it was encoded for, and the image to start from when EncodePrompt
        // carried one; checked from its header before its tensors are read. Content encoded elsewhere, without that
        // metadata, follows the default compatibility.
        final TensorBundle content = FlowFileTensors.read(session, flowFile, ContentRules.encodedPrompt(info));
        final Compat compat = StageMetadata.compat(content.metadata(), Defaults.COMPAT);
        final Integer maxLength = StageMetadata.positiveInteger(content.metadata(), StageMetadata.MAX_LENGTH);
        builder.compat(compat);
        if (maxLength != null) {
            builder.maxLength(maxLength);
        }
        if (rescale != null) {
            builder.rescale(rescale);
        }
        final GenerationRequest unconditioned = builder.build();
        final PromptPair prompts = PromptPair.fromBundle(content);
        if (unconditioned.classifierFreeGuidance() && prompts.negative() == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, missingNegativePrompt(unconditioned.guidanceScale()));
        }
        service.validate(unconditioned);
        final Map<String, String> attributes = new LinkedHashMap<>();
        final GenerationRequest request;
        if (useImage && content.contains(EncodePrompt.CONDITIONING_IMAGE_TENSOR)) {
            final int frame = settings.integer(CONDITIONING_FRAME);
            final double strength = settings.decimal(CONDITIONING_STRENGTH);
            if (settings.valid()) {
                crossRules(new CrossValues((double) unconditioned.numFrames(), null, null, null, false, false, false,
                        (double) frame), settings::problem);
            }
            settings.check();
            request = conditioned(unconditioned, content.get(EncodePrompt.CONDITIONING_IMAGE_TENSOR), frame, strength);
            service.validate(request);
            attributes.put(LtxAttributes.CONDITIONING_FRAME, String.valueOf(frame));
            attributes.put(LtxAttributes.CONDITIONING_STRENGTH, String.valueOf(strength));
        } else {
            request = unconditioned;
        }

        // 3. The denoising loop, stopped between steps when the processor is.
        final GenerationResult result = service.generateLatents(request, prompts, noise(noiseFile, seed),
                progress(session, flowFile, true));
        final Tensor latents = result.latents();
        final int steps = result.steps();
        // What DecodeVideo reads back: sizes, frame rate, compat, tone map; the seed and steps for provenance.
        final Map<String, String> metadata = new LinkedHashMap<>(request.decodeSpec().latentsMetadata());
        metadata.put(StageMetadata.SEED, String.valueOf(seed));
        metadata.put(StageMetadata.STEPS, String.valueOf(steps));
        attributes.put(LtxAttributes.STAGE, LtxAttributes.STAGE_LATENTS);
        attributes.put(LtxAttributes.NUM_FRAMES, String.valueOf(request.numFrames()));
        attributes.put(LtxAttributes.HEIGHT, String.valueOf(request.height()));
        attributes.put(LtxAttributes.WIDTH, String.valueOf(request.width()));
        attributes.put(LtxAttributes.FRAME_RATE, String.valueOf(request.frameRate()));
        attributes.put(LtxAttributes.STEPS, String.valueOf(steps));
        attributes.put(LtxAttributes.COMPAT, request.compat().name());
        attributes.put(LtxAttributes.GUIDANCE_SCALE, String.valueOf(request.guidanceScale()));
        attributes.put(LtxAttributes.LATENT_SHAPE, Arrays.toString(latents.shape()));
        attributes.put(LtxAttributes.MIME_TYPE, "application/octet-stream");
        final String details = "seed " + seed + ", " + steps + " steps, " + request.numFrames() + " frames of " + request.width()
                + "x" + request.height() + " at " + request.frameRate() + " fps, guidance " + request.guidanceScale()
                + (request.imageToVideo() ? ", conditioned on the image" : "");
        return StageOutput.tensors(new TensorBundle(Map.of(LATENTS_TENSOR, latents), metadata), attributes, details, info);
    }

    /** The ltx.error of a FlowFile asking for guidance its content was not encoded for. */
    static String missingNegativePrompt(final double guidanceScale) {
        return "Guidance Scale " + guidanceScale + " is above 1 and needs the negative prompt, but the content was encoded "
                + "without it: set Classifier-Free Guidance to true in EncodePrompt, or Guidance Scale to 1 here";
    }

    /**
     * Frame 0 at strength 1 is plain image-to-video, the request's image as the CLI's --image gives it; any other
     * placement is a conditioning item, as the official pipeline's keyframes.
     */
    private static GenerationRequest conditioned(final GenerationRequest request, final Tensor image, final int frame,
            final double strength) {
        if (frame == 0 && strength == 1.0) {
            return request.withConditioning(image, List.of());
        }
        return request.withConditioning(null, List.of(new Condition(image, frame, strength)));
    }
}
