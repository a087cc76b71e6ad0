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
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.ImageLoader;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;
import org.nifiltx.nifi.service.StandardLtxVideoModelService;

@Tags({"ltx", "video", "generation", "text to video", "image to video", "prompt", "text encoder", "t5", "ai"})
@CapabilityDescription("Prepares a text prompt for LTX-Video generation: the first of the three steps EncodePrompt, "
        + "GenerateLatents and DecodeVideo that turn a prompt (and, for image-to-video, a picture) into a video. The prompt "
        + "comes from the Prompt property, by default the ltx.prompt attribute; the FlowFile's content is replaced by the "
        + "encoded prompt, which GenerateLatents reads. With Image Source 'FlowFile Content' the incoming content is a PNG or "
        + "JPEG image that travels on with the encoded prompt and becomes the first frame (or a keyframe) of the video. "
        + "Technically: the T5 text encoder's embeddings (and those of the negative prompt when the guidance scale is above "
        + "1) as a safetensors bundle.")
@InputRequirement(Requirement.INPUT_REQUIRED)
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "The T5 encoder of LTX-Video holds 4.7 B parameters; "
        + "see the service's Release Text Encoder After Encoding.")
@SeeAlso({GenerateLatents.class, DecodeVideo.class, StandardLtxVideoModelService.class})
@UseCase(
        description = "Encode a prompt taken from a FlowFile attribute, the first step of text-to-video generation.",
        keywords = {"text to video", "prompt", "ltx", "generate video"},
        configuration = """
                Add a StandardLtxVideoModelService (see its use case) and select it in "LTX-Video Model Service".
                Give each FlowFile its prompt in the ltx.prompt attribute, e.g. with UpdateAttribute or from a record; or set                 "Prompt" to another expression, e.g. ${prompt}, or to a fixed text.
                Leave "Guidance Scale" at 1 for the distilled models; when you raise it above 1, set the same value in                 GenerateLatents and write what the video must not show in "Negative Prompt".
                Connect "success" to GenerateLatents.
                Connect "failure" (an empty prompt, a bad setting) to a place you watch: the FlowFile carries ltx.error.
                Connect "retry" (out of memory, a backend failure) back to EncodePrompt.
                """)
@UseCase(
        description = "Encode a prompt together with an image to animate, the first step of image-to-video generation.",
        keywords = {"image to video", "animate image", "ltx", "keyframe"},
        configuration = """
                Fetch the image (PNG or JPEG) as the FlowFile content, e.g. with FetchFile, and put the prompt in the                 ltx.prompt attribute.
                Set "Image Source" to "FlowFile Content".
                Connect "success" to GenerateLatents, which makes the image the first frame; set its "Conditioning Frame"                 to make it a later keyframe instead.
                Connect "failure" to a place you watch: content that is no readable image goes there with ltx.error.
                """)
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
    @WritesAttribute(attribute = LtxAttributes.BACKEND, description = "The backend that ran the model on this node (cpu, cuda)"),
    @WritesAttribute(attribute = LtxAttributes.DEVICE, description = "The device ordinal it ran on (0 on the CPU)"),
    @WritesAttribute(attribute = LtxAttributes.PRECISION, description = "The precision the model computed in (Auto resolved)"),
    @WritesAttribute(attribute = LtxAttributes.NODE, description = "The cluster node that ran it (absent on a standalone server)"),
    @WritesAttribute(attribute = LtxAttributes.DURATION_ENCODE, description = "Milliseconds the encoding took"),
    @WritesAttribute(attribute = LtxAttributes.MIME_TYPE, description = "application/octet-stream"),
    @WritesAttribute(attribute = LtxAttributes.ERROR, description = "Why the FlowFile went to failure or retry (removed on "
            + "success)")
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
            .description("What the video should not show, evaluated per FlowFile; encoded only when the guidance scale is above 1.")
            .required(false)
            .defaultValue(Defaults.NEGATIVE_PROMPT)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor GUIDANCE_SCALE = LtxProperties.GUIDANCE_SCALE;
    public static final PropertyDescriptor MAX_LENGTH = new PropertyDescriptor.Builder()
            .name("Max Length")
            .description("Tokens the prompt is padded or truncated to (the official configs use 256, diffusers 128).")
            .required(true)
            .defaultValue(String.valueOf(Defaults.MAX_LENGTH))
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.POSITIVE_INTEGER)
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
    private volatile Compat compat;
    private volatile ImageSource imageSource;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        service = context.getProperty(MODEL_SERVICE).asControllerService(LtxVideoModelService.class);
        compat = context.getProperty(COMPAT).asAllowableValue(CompatChoice.class).compat();
        imageSource = context.getProperty(IMAGE_SOURCE).asAllowableValue(ImageSource.class);
    }

    @Override
    String stage() {
        return "encode";
    }

    @Override
    String successCounter() {
        return "LTX prompts encoded";
    }

    @Override
    StageOutput process(final ProcessContext context, final ProcessSession session, final FlowFile flowFile,
            final Map<String, String> trail) {
        final FlowFileSettings settings = new FlowFileSettings(context, flowFile);
        final String prompt = settings.text(PROMPT);
        if (prompt == null) {
            final String expression = context.getProperties().get(PROMPT);
            settings.problem(PROMPT, (expression == null ? PROMPT.getDefaultValue() : expression) + " evaluated to an empty text");
        }
        final String negativePrompt = settings.text(NEGATIVE_PROMPT);
        final double guidanceScale = settings.decimal(GUIDANCE_SCALE);
        final int maxLength = settings.integer(MAX_LENGTH);
        settings.check();
        // The image is decoded before T5 runs, so an unreadable one fails without spending the encoding.
        final Tensor image = imageSource == ImageSource.FLOWFILE_CONTENT
                ? ImageLoader.loadRgb(FlowFileTensors.readBytes(session, flowFile), FlowFileTensors.CONTENT_NAME) : null;
        final LtxModelInfo info = service.modelInfo();
        final GenerationRequest request = GenerationRequest.builder().prompt(prompt).negativePrompt(negativePrompt)
                .guidanceScale(guidanceScale).maxLength(maxLength).compat(compat)
                // Sizes do not matter for encoding; the smallest valid ones keep validate() about the prompt.
                .numFrames(1).height(info.spatialCompression()).width(info.spatialCompression())
                .build();
        final PromptPair prompts = service.encodePrompts(request, progress(session, flowFile, false));
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
        final String details = "prompt of " + prompt.length() + " characters encoded to " + maxLength + " tokens"
                + (prompts.negative() != null ? " with the negative prompt" : "");
        if (image == null) {
            return new StageOutput(FlowFileTensors.toBytes(prompts.toBundle()), null, attributes, details, info);
        }
        attributes.put(LtxAttributes.IMAGE_WIDTH, String.valueOf(image.dim(1)));
        attributes.put(LtxAttributes.IMAGE_HEIGHT, String.valueOf(image.dim(0)));
        final Map<String, Tensor> tensors = new LinkedHashMap<>(prompts.toBundle().tensors());
        tensors.put(CONDITIONING_IMAGE_TENSOR, image);
        return new StageOutput(FlowFileTensors.toBytes(TensorBundle.of(tensors)), null, attributes,
                details + ", image " + image.dim(1) + "x" + image.dim(0), info);
    }
}
