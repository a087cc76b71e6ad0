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
import org.apache.nifi.migration.PropertyConfiguration;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.PromptSpec;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;
import org.nifiltx.nifi.service.StandardLtxVideoModelService;

@Tags({"ltx", "video", "generation", "text to video", "image to video", "prompt", "text encoder", "t5", "ai"})
@CapabilityDescription("Prepares a text prompt for LTX-Video generation: the first of the three steps EncodePrompt, "
        + "GenerateLatents and DecodeVideo that turn a prompt (and, for image-to-video, a picture) into a video. The prompt "
        + "comes from the Prompt property, by default the ltx.prompt attribute; the FlowFile's content is replaced by the "
        + "encoded prompt, which GenerateLatents reads. With Image Source 'FlowFile Content' the incoming content is a PNG or "
        + "JPEG image that travels on with the encoded prompt and becomes the first frame (or a keyframe) of the video. "
        + "The content also records what it was encoded for (compatibility, token length, whether the negative prompt is "
        + "there), so GenerateLatents needs none of it entered again. Technically: the T5 text encoder's embeddings (and "
        + "those of the negative prompt with Classifier-Free Guidance) as a safetensors bundle with ltx.* metadata.")
@InputRequirement(Requirement.INPUT_REQUIRED)
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "The T5 encoder of LTX-Video holds 4.7 B parameters; "
        + "see the service's Release Text Encoder After Encoding.")
@SeeAlso({GenerateLatents.class, DecodeVideo.class, StandardLtxVideoModelService.class})
@UseCase(
        description = "Encode a prompt taken from a FlowFile attribute, the first step of text-to-video generation.",
        keywords = {"text to video", "prompt", "ltx", "generate video"},
        configuration = """
                Add a StandardLtxVideoModelService (see its use case) and select it in "LTX-Video Model Service".
                Give each FlowFile its prompt in the ltx.prompt attribute, e.g. with UpdateAttribute or from a record; or set \
                "Prompt" to another expression, e.g. ${prompt}, or to a fixed text.
                Leave "Classifier-Free Guidance" false for the distilled models; set it to true when GenerateLatents' \
                "Guidance Scale" is above 1, and write what the video must not show in "Negative Prompt".
                Connect "success" to GenerateLatents.
                Connect "failure" (an empty prompt, a bad setting) to a place you watch: the FlowFile carries ltx.error.
                Connect "retry" (out of memory, a backend failure) back to EncodePrompt.
                """)
@UseCase(
        description = "Encode a prompt together with an image to animate, the first step of image-to-video generation.",
        keywords = {"image to video", "animate image", "ltx", "keyframe"},
        configuration = """
                Fetch the image (PNG or JPEG) as the FlowFile content, e.g. with FetchFile, and put the prompt in the \
                ltx.prompt attribute.
                Set "Image Source" to "FlowFile Content".
                Connect "success" to GenerateLatents, which makes the image the first frame; set its "Conditioning Frame" \
                to make it a later keyframe instead.
                Connect "failure" to a place you watch: content that is no readable image goes there with ltx.error.
                """)
@WritesAttributes({
    @WritesAttribute(attribute = LtxAttributes.STAGE, description = "prompt-embeddings"),
    @WritesAttribute(attribute = LtxAttributes.PROMPT, description = "The encoded prompt"),
    @WritesAttribute(attribute = LtxAttributes.NEGATIVE_PROMPT, description = "The encoded negative prompt (Classifier-Free "
            + "Guidance true)"),
    @WritesAttribute(attribute = LtxAttributes.MAX_LENGTH, description = "Token length of the embeddings"),
    @WritesAttribute(attribute = LtxAttributes.COMPAT, description = "Reference semantics (OFFICIAL or DIFFUSERS)"),
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
            .description("What the video should not show, evaluated per FlowFile; encoded only with Classifier-Free Guidance.")
            .required(false)
            .defaultValue(Defaults.NEGATIVE_PROMPT)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor CLASSIFIER_FREE_GUIDANCE = new PropertyDescriptor.Builder()
            .name("Classifier-Free Guidance")
            .description("Whether the negative prompt is encoded too (true or false, evaluated per FlowFile), which "
                    + "GenerateLatents needs for a Guidance Scale above 1; false suits the distilled models, which run "
                    + "without guidance. The content records the choice: GenerateLatents sends a FlowFile encoded without "
                    + "the negative prompt to failure when its Guidance Scale is above 1.")
            .required(true)
            .defaultValue(String.valueOf(Defaults.GUIDANCE_SCALE > 1))
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(BooleanRule.TRUE_OR_FALSE)
            .build();
    public static final PropertyDescriptor MAX_LENGTH = new PropertyDescriptor.Builder()
            .name("Max Length")
            .description("Tokens the prompt is padded or truncated to, at least 1; unset: that of the Compatibility ("
                    + Defaults.OFFICIAL_MAX_LENGTH + " official, " + Defaults.DIFFUSERS_MAX_LENGTH + " diffusers).")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.POSITIVE_INTEGER)
            .build();
    public static final PropertyDescriptor COMPAT = new PropertyDescriptor.Builder()
            .name("Compatibility")
            .description("Which reference pipeline's semantics to follow. Chosen here once: the encoded prompt carries it to "
                    + "GenerateLatents, and the latents to DecodeVideo.")
            .required(true)
            .allowableValues(CompatChoice.class)
            .defaultValue(CompatChoice.valueOf(Defaults.COMPAT.name()))
            .build();
    public static final PropertyDescriptor IMAGE_SOURCE = new PropertyDescriptor.Builder()
            .name("Image Source")
            .description("Where the image of an image-to-video generation comes from; GenerateLatents conditions the video on it.")
            .required(true)
            .allowableValues(ImageSource.class)
            .defaultValue(ImageSource.NONE)
            .build();

    /** The tensor name of the conditioning image this processor adds and GenerateLatents reads. */
    public static final String CONDITIONING_IMAGE_TENSOR = "conditioning_image";

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_SERVICE, PROMPT, CLASSIFIER_FREE_GUIDANCE,
            NEGATIVE_PROMPT, MAX_LENGTH, COMPAT, IMAGE_SOURCE);
    /** The property before Classifier-Free Guidance: above 1 it meant encoding the negative prompt. */
    static final String OLD_GUIDANCE_SCALE = "Guidance Scale";

    private volatile LtxVideoModelService service;
    private volatile Compat compat;
    private volatile ImageSource imageSource;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    /**
     * Flows from before Classifier-Free Guidance set a Guidance Scale here, which had to agree with GenerateLatents': a
     * literal above 1, or an expression compared with 1 per FlowFile, keeps encoding the negative prompt.
     */
    @Override
    public void migrateProperties(final PropertyConfiguration config) {
        final String old = config.getRawPropertyValue(OLD_GUIDANCE_SCALE).orElse(null);
        if (old != null && !config.isPropertySet(CLASSIFIER_FREE_GUIDANCE)) {
            final String value = old.trim();
            if (value.startsWith("${") && value.endsWith("}") && value.indexOf("${", 2) < 0) {
                config.setProperty(CLASSIFIER_FREE_GUIDANCE, value.substring(0, value.length() - 1) + ":toDecimal():gt(1)}");
            } else if (NumberRule.NON_NEGATIVE.problem(value) == null) {
                config.setProperty(CLASSIFIER_FREE_GUIDANCE, String.valueOf(NumberRule.parse(value) > 1));
            }
        }
        config.removeProperty(OLD_GUIDANCE_SCALE);
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
        final boolean classifierFree = settings.flag(CLASSIFIER_FREE_GUIDANCE);
        final String negativePrompt = classifierFree ? settings.text(NEGATIVE_PROMPT) : null;
        final Integer maxLengthSet = settings.optionalInteger(MAX_LENGTH);
        settings.check();
        final int maxLength = maxLengthSet != null ? maxLengthSet : Defaults.maxLength(compat);
        // The image is decoded before T5 runs, so an unreadable one fails without spending the encoding.
        final Tensor image = imageSource == ImageSource.FLOWFILE_CONTENT
                ? FlowFileTensors.readImage(session, flowFile) : null;
        final LtxModelInfo info = service.modelInfo();
        final PromptSpec spec = new PromptSpec(prompt, negativePrompt, classifierFree, maxLength, compat);
        final PromptPair prompts = service.encodePrompts(spec, progress(session, flowFile, false));
        final Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(LtxAttributes.STAGE, LtxAttributes.STAGE_PROMPT_EMBEDDINGS);
        attributes.put(LtxAttributes.PROMPT, prompt);
        if (prompts.negative() != null) {
            attributes.put(LtxAttributes.NEGATIVE_PROMPT, negativePrompt == null ? "" : negativePrompt);
        }
        attributes.put(LtxAttributes.MAX_LENGTH, String.valueOf(maxLength));
        attributes.put(LtxAttributes.COMPAT, compat.name());
        attributes.put(LtxAttributes.MIME_TYPE, "application/octet-stream");
        final String details = "prompt of " + prompt.length() + " characters encoded to " + maxLength + " tokens"
                + (prompts.negative() != null ? " with the negative prompt" : "");
        // What GenerateLatents reads back (compat, token length, whether the negative row is there) travels as metadata.
        final TensorBundle encoded = prompts.toBundle(spec);
        if (image == null) {
            return StageOutput.tensors(encoded, attributes, details, info);
        }
        attributes.put(LtxAttributes.IMAGE_WIDTH, String.valueOf(image.dim(1)));
        attributes.put(LtxAttributes.IMAGE_HEIGHT, String.valueOf(image.dim(0)));
        return StageOutput.tensors(encoded.with(CONDITIONING_IMAGE_TENSOR, image), attributes,
                details + ", image " + image.dim(1) + "x" + image.dim(0), info);
    }
}
