package org.nifiltx.nifi.processors;

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
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.ImageLoader;
import org.nifiltx.nifi.api.LtxVideoModelService;

@Tags({"ltx", "video", "generation", "text encoder", "t5", "prompt", "image to video", "ai"})
@CapabilityDescription("Encodes a text prompt (and, when the guidance scale is above 1, the negative prompt) with the T5 text "
        + "encoder of an LTX-Video model. The prompt comes from the Prompt property, whose Expression Language is evaluated "
        + "against the incoming FlowFile's attributes (by default the ltx.prompt attribute); the FlowFile's content is replaced "
        + "by the embeddings as a safetensors bundle (prompt_embeds, prompt_attention_mask and the negative_ pair) for "
        + "GenerateLatents. With Image Source 'FlowFile Content' the incoming content is an image (PNG, JPEG) that is carried "
        + "on as the uint8 tensor conditioning_image [H, W, 3] in the same bundle, for image-to-video.")
@InputRequirement(Requirement.INPUT_REQUIRED)
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "The T5 encoder of LTX-Video holds 4.7 B parameters; "
        + "see the service's Release Text Encoder After Encoding.")
@SeeAlso({GenerateLatents.class, DecodeVideo.class})
@WritesAttributes({
    @WritesAttribute(attribute = LtxAttributes.STAGE, description = "prompt-embeddings"),
    @WritesAttribute(attribute = LtxAttributes.PROMPT, description = "The encoded prompt"),
    @WritesAttribute(attribute = LtxAttributes.NEGATIVE_PROMPT, description = "The encoded negative prompt (guidance scale > 1)"),
    @WritesAttribute(attribute = LtxAttributes.MAX_LENGTH, description = "Token length of the embeddings"),
    @WritesAttribute(attribute = LtxAttributes.COMPAT, description = "Reference semantics (OFFICIAL or DIFFUSERS)"),
    @WritesAttribute(attribute = LtxAttributes.GUIDANCE_SCALE, description = "The guidance scale encoded for"),
    @WritesAttribute(attribute = LtxAttributes.IMAGE_WIDTH, description = "Width of the conditioning image (Image Source "
            + "FlowFile Content)"),
    @WritesAttribute(attribute = LtxAttributes.IMAGE_HEIGHT, description = "Height of the conditioning image (Image Source "
            + "FlowFile Content)"),
    @WritesAttribute(attribute = LtxAttributes.MIME_TYPE, description = "application/octet-stream"),
    @WritesAttribute(attribute = LtxAttributes.ERROR, description = "Why the FlowFile went to failure")
})
public class EncodePrompt extends AbstractLtxProcessor {
    public static final PropertyDescriptor MODEL_SERVICE = LtxProperties.MODEL_SERVICE;
    public static final PropertyDescriptor PROMPT = new PropertyDescriptor.Builder()
            .name("Prompt")
            .description("The text to encode, evaluated per FlowFile.")
            .required(true)
            .defaultValue("${" + LtxAttributes.PROMPT + "}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_EMPTY_EL_VALIDATOR)
            .build();
    public static final PropertyDescriptor NEGATIVE_PROMPT = new PropertyDescriptor.Builder()
            .name("Negative Prompt")
            .description("What the video should not show; encoded only when the guidance scale is above 1.")
            .required(false)
            .defaultValue(GenerationRequest.DEFAULT_NEGATIVE_PROMPT)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor GUIDANCE_SCALE = LtxProperties.GUIDANCE_SCALE;
    public static final PropertyDescriptor MAX_LENGTH = new PropertyDescriptor.Builder()
            .name("Max Length")
            .description("Tokens the prompt is padded or truncated to (the official configs use 256, diffusers 128).")
            .required(true)
            .defaultValue("256")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor COMPAT = LtxProperties.COMPAT;
    public static final PropertyDescriptor IMAGE_SOURCE = new PropertyDescriptor.Builder()
            .name("Image Source")
            .description("Where the image of an image-to-video generation comes from; GenerateLatents conditions the video on it.")
            .required(true)
            .allowableValues(ImageSource.class)
            .defaultValue(ImageSource.NONE)
            .build();

    /** The tensor name of the conditioning image this processor adds and GenerateLatents reads. */
    public static final String CONDITIONING_IMAGE_TENSOR = "conditioning_image";

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_SERVICE, PROMPT, NEGATIVE_PROMPT, GUIDANCE_SCALE,
            MAX_LENGTH, COMPAT, IMAGE_SOURCE);

    private volatile LtxVideoModelService service;
    private volatile double guidanceScale;
    private volatile int maxLength;
    private volatile Compat compat;
    private volatile ImageSource imageSource;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        service = context.getProperty(MODEL_SERVICE).asControllerService(LtxVideoModelService.class);
        guidanceScale = context.getProperty(GUIDANCE_SCALE).asDouble();
        maxLength = context.getProperty(MAX_LENGTH).asInteger();
        compat = context.getProperty(COMPAT).asAllowableValue(CompatChoice.class).compat();
        imageSource = context.getProperty(IMAGE_SOURCE).asAllowableValue(ImageSource.class);
    }

    @Override
    StageOutput process(final ProcessContext context, final ProcessSession session, final FlowFile flowFile) {
        final String prompt = context.getProperty(PROMPT).evaluateAttributeExpressions(flowFile).getValue();
        if (prompt == null || prompt.isBlank()) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "the Prompt property evaluated to an empty text for this FlowFile");
        }
        final String negativePrompt = context.getProperty(NEGATIVE_PROMPT).evaluateAttributeExpressions(flowFile).getValue();
        // The image is decoded before T5 runs, so an unreadable one fails without spending the encoding.
        final Tensor image = imageSource == ImageSource.FLOWFILE_CONTENT
                ? ImageLoader.loadRgb(FlowFileTensors.readBytes(session, flowFile), FlowFileTensors.CONTENT_NAME) : null;
        final GenerationRequest request = GenerationRequest.builder().prompt(prompt).negativePrompt(negativePrompt)
                .guidanceScale(guidanceScale).maxLength(maxLength).compat(compat)
                // Sizes do not matter for encoding; the smallest valid ones keep validate() about the prompt.
                .numFrames(1).height(service.modelInfo().spatialCompression()).width(service.modelInfo().spatialCompression())
                .build();
        final PromptPair prompts = service.encodePrompts(request, progressLogger(getLogger(), flowFile));
        final Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(LtxAttributes.STAGE, LtxAttributes.STAGE_PROMPT_EMBEDDINGS);
        attributes.put(LtxAttributes.PROMPT, prompt);
        if (prompts.negative() != null) {
            attributes.put(LtxAttributes.NEGATIVE_PROMPT, negativePrompt == null ? "" : negativePrompt);
        }
        attributes.put(LtxAttributes.MAX_LENGTH, String.valueOf(maxLength));
        attributes.put(LtxAttributes.COMPAT, compat.name());
        attributes.put(LtxAttributes.GUIDANCE_SCALE, String.valueOf(guidanceScale));
        attributes.put(LtxAttributes.MIME_TYPE, "application/octet-stream");
        if (image == null) {
            return new StageOutput(FlowFileTensors.toBytes(prompts.toBundle()), null, attributes);
        }
        attributes.put(LtxAttributes.IMAGE_WIDTH, String.valueOf(image.dim(1)));
        attributes.put(LtxAttributes.IMAGE_HEIGHT, String.valueOf(image.dim(0)));
        final Map<String, Tensor> tensors = new LinkedHashMap<>(prompts.toBundle().tensors());
        tensors.put(CONDITIONING_IMAGE_TENSOR, image);
        return new StageOutput(FlowFileTensors.toBytes(TensorBundle.of(tensors)), null, attributes);
    }
}
