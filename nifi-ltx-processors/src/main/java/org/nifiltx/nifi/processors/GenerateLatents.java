package org.nifiltx.nifi.processors;

import java.util.Arrays;
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
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifiltx.core.pipeline.Condition;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.nifi.api.LtxVideoModelService;

@Tags({"ltx", "video", "generation", "diffusion", "denoise", "latents", "image to video", "keyframe", "ai"})
@CapabilityDescription("Runs the LTX-Video transformer's denoising loop on the prompt embeddings in the FlowFile content (from "
        + "EncodePrompt) and replaces the content by the final normalised latents [1, C, F, h, w] as a safetensors bundle "
        + "holding one tensor, 'latents', for DecodeVideo. When the content also holds a conditioning_image (EncodePrompt with "
        + "Image Source 'FlowFile Content') the video is conditioned on it: image-to-video at frame 0, or a keyframe at the "
        + "Conditioning Frame with the Conditioning Strength. Logs one line per denoising step.")
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
    @WritesAttribute(attribute = LtxAttributes.SEED, description = "Seed of the noise"),
    @WritesAttribute(attribute = LtxAttributes.STEPS, description = "Denoising steps run (all passes)"),
    @WritesAttribute(attribute = LtxAttributes.COMPAT, description = "Reference semantics (OFFICIAL or DIFFUSERS)"),
    @WritesAttribute(attribute = LtxAttributes.GUIDANCE_SCALE, description = "Classifier-free guidance scale"),
    @WritesAttribute(attribute = LtxAttributes.CONDITIONING_FRAME, description = "Frame the conditioning image was placed on "
            + "(only with a conditioning image)"),
    @WritesAttribute(attribute = LtxAttributes.CONDITIONING_STRENGTH, description = "Strength of the conditioning image (only "
            + "with a conditioning image)"),
    @WritesAttribute(attribute = LtxAttributes.LATENT_SHAPE, description = "Shape of the latents tensor"),
    @WritesAttribute(attribute = LtxAttributes.ERROR, description = "Why the FlowFile went to failure")
})
public class GenerateLatents extends AbstractLtxProcessor {
    /** The tensor name of the content this processor writes and DecodeVideo reads. */
    public static final String LATENTS_TENSOR = "latents";

    public static final PropertyDescriptor MODEL_SERVICE = LtxProperties.MODEL_SERVICE;
    public static final PropertyDescriptor NUM_FRAMES = integer("Num Frames", "Frames of the video: 8N+1 (for 8x temporal "
            + "compression).", "121");
    public static final PropertyDescriptor HEIGHT = integer("Height", "Height in pixels, a multiple of the VAE's spatial "
            + "compression (32).", "512");
    public static final PropertyDescriptor WIDTH = integer("Width", "Width in pixels, a multiple of the VAE's spatial "
            + "compression (32).", "768");
    public static final PropertyDescriptor STEPS = integer("Steps", "Denoising steps on the checkpoint's scheduler; ignored "
            + "when Timesteps is set.", "30");
    public static final PropertyDescriptor TIMESTEPS = new PropertyDescriptor.Builder()
            .name("Timesteps")
            .description("Explicit flow times of the (first) pass, comma-separated in (0, 1], e.g. the distilled list "
                    + "1.0, 0.9937, 0.9875, 0.9812, 0.975, 0.9094, 0.725.")
            .required(false)
            .addValidator(NumberListValidator.TIMESTEPS)
            .build();
    public static final PropertyDescriptor GUIDANCE_SCALE = LtxProperties.GUIDANCE_SCALE;
    public static final PropertyDescriptor STG_SCALE = new PropertyDescriptor.Builder()
            .name("STG Scale")
            .description("Spatio-temporal guidance scale; 0 turns it off.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.createNonNegativeFloatingPointValidator(100))
            .build();
    public static final PropertyDescriptor STG_BLOCKS = new PropertyDescriptor.Builder()
            .name("STG Blocks")
            .description("Transformer blocks whose self-attention the STG-perturbed pass skips, comma-separated.")
            .required(false)
            .addValidator(NumberListValidator.BLOCK_INDICES)
            .build();
    public static final PropertyDescriptor RESCALE = new PropertyDescriptor.Builder()
            .name("Rescale")
            .description("Official: STG rescaling scale; diffusers: guidance_rescale.")
            .required(true)
            .defaultValue("0.7")
            .addValidator(StandardValidators.createNonNegativeFloatingPointValidator(1))
            .build();
    public static final PropertyDescriptor FRAME_RATE = new PropertyDescriptor.Builder()
            .name("Frame Rate")
            .description("Frames per second; conditions the positional embeddings and the encoded video.")
            .required(true)
            .defaultValue("25")
            .addValidator(StandardValidators.createNonNegativeFloatingPointValidator(1000))
            .build();
    public static final PropertyDescriptor SEED = LtxProperties.SEED;
    public static final PropertyDescriptor NOISE_FILE = LtxProperties.NOISE_FILE;
    public static final PropertyDescriptor COMPAT = LtxProperties.COMPAT;
    public static final PropertyDescriptor MULTI_SCALE = new PropertyDescriptor.Builder()
            .name("Multi-Scale")
            .description("Two passes with the latent upsampler between them (needs the service's Latent Upsampler Path).")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();
    public static final PropertyDescriptor CONDITIONING_FRAME = new PropertyDescriptor.Builder()
            .name("Conditioning Frame")
            .description("Pixel frame the content's conditioning_image is placed on: 0 is image-to-video (the image is the first "
                    + "frame), a later frame makes it a keyframe. Used only when the content holds a conditioning_image.")
            .required(true)
            .defaultValue("0")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_EMPTY_EL_VALIDATOR)
            .build();
    public static final PropertyDescriptor CONDITIONING_STRENGTH = new PropertyDescriptor.Builder()
            .name("Conditioning Strength")
            .description("How firmly the conditioning_image holds, in [0, 1]: 1 pins its frame, s < 1 lets the denoising change it "
                    + "from noise level 1 - s. Used only when the content holds a conditioning_image.")
            .required(true)
            .defaultValue("1.0")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_EMPTY_EL_VALIDATOR)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_SERVICE, NUM_FRAMES, HEIGHT, WIDTH, STEPS, TIMESTEPS,
            GUIDANCE_SCALE, STG_SCALE, STG_BLOCKS, RESCALE, FRAME_RATE, SEED, NOISE_FILE, COMPAT, MULTI_SCALE, CONDITIONING_FRAME,
            CONDITIONING_STRENGTH);

    private volatile LtxVideoModelService service;
    private volatile GenerationRequest template;

    private static PropertyDescriptor integer(final String name, final String description, final String defaultValue) {
        return new PropertyDescriptor.Builder().name(name).description(description).required(true).defaultValue(defaultValue)
                .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR).build();
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        service = context.getProperty(MODEL_SERVICE).asControllerService(LtxVideoModelService.class);
        final String timesteps = context.getProperty(TIMESTEPS).getValue();
        final String stgBlocks = context.getProperty(STG_BLOCKS).getValue();
        template = GenerationRequest.builder().prompt("")
                .numFrames(context.getProperty(NUM_FRAMES).asInteger())
                .height(context.getProperty(HEIGHT).asInteger())
                .width(context.getProperty(WIDTH).asInteger())
                .steps(context.getProperty(STEPS).asInteger())
                .timesteps(timesteps == null ? null : NumberListValidator.parseDoubles(timesteps))
                .guidanceScale(context.getProperty(GUIDANCE_SCALE).asDouble())
                .stgScale(context.getProperty(STG_SCALE).asDouble())
                .stgBlocks(stgBlocks == null ? List.of() : NumberListValidator.parseIntegers(stgBlocks))
                .rescale(context.getProperty(RESCALE).asDouble())
                .frameRate(context.getProperty(FRAME_RATE).asDouble())
                .compat(context.getProperty(COMPAT).asAllowableValue(CompatChoice.class).compat())
                .multiScale(context.getProperty(MULTI_SCALE).asBoolean())
                .build();
    }

    @Override
    StageOutput process(final ProcessContext context, final ProcessSession session, final FlowFile flowFile) {
        final String prompt = flowFile.getAttribute(LtxAttributes.PROMPT);
        final GenerationRequest unconditioned = template.withPrompt(prompt == null ? "" : prompt);
        // Parameters first, so a bad request fails before the content is even read.
        service.validate(unconditioned);
        final long seed = parseLong("Seed", context.getProperty(SEED).evaluateAttributeExpressions(flowFile).getValue());
        final NoiseSource noise = noise(context.getProperty(NOISE_FILE).evaluateAttributeExpressions(flowFile).getValue(), seed);
        final TensorBundle content = FlowFileTensors.read(session, flowFile);
        final PromptPair prompts = PromptPair.fromBundle(content);
        final Map<String, String> attributes = new LinkedHashMap<>();
        final GenerationRequest request;
        if (content.contains(EncodePrompt.CONDITIONING_IMAGE_TENSOR)) {
            final int frame = parseInt("Conditioning Frame",
                    context.getProperty(CONDITIONING_FRAME).evaluateAttributeExpressions(flowFile).getValue());
            final double strength = parseDouble("Conditioning Strength",
                    context.getProperty(CONDITIONING_STRENGTH).evaluateAttributeExpressions(flowFile).getValue());
            request = conditioned(unconditioned, content.get(EncodePrompt.CONDITIONING_IMAGE_TENSOR), frame, strength);
            service.validate(request);
            attributes.put(LtxAttributes.CONDITIONING_FRAME, String.valueOf(frame));
            attributes.put(LtxAttributes.CONDITIONING_STRENGTH, String.valueOf(strength));
        } else {
            request = unconditioned;
        }
        final GenerationResult result = service.generateLatents(request, prompts, noise, progressLogger(getLogger(), flowFile));
        final Tensor latents = result.latents();
        attributes.put(LtxAttributes.STAGE, LtxAttributes.STAGE_LATENTS);
        attributes.put(LtxAttributes.NUM_FRAMES, String.valueOf(request.numFrames()));
        attributes.put(LtxAttributes.HEIGHT, String.valueOf(request.height()));
        attributes.put(LtxAttributes.WIDTH, String.valueOf(request.width()));
        attributes.put(LtxAttributes.FRAME_RATE, String.valueOf(request.frameRate()));
        attributes.put(LtxAttributes.SEED, String.valueOf(seed));
        attributes.put(LtxAttributes.STEPS, String.valueOf(result.stepLatents().size()));
        attributes.put(LtxAttributes.COMPAT, request.compat().name());
        attributes.put(LtxAttributes.GUIDANCE_SCALE, String.valueOf(request.guidanceScale()));
        attributes.put(LtxAttributes.LATENT_SHAPE, Arrays.toString(latents.shape()));
        attributes.put(LtxAttributes.MIME_TYPE, "application/octet-stream");
        return new StageOutput(FlowFileTensors.toBytes(TensorBundle.of(Map.of(LATENTS_TENSOR, latents))), null, attributes);
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
