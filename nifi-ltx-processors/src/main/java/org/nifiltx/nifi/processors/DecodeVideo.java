package org.nifiltx.nifi.processors;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.MultiProcessorUseCase;
import org.apache.nifi.annotation.documentation.ProcessorConfiguration;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.migration.PropertyConfiguration;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.DecodeSpec;
import org.nifiltx.core.pipeline.StageMetadata;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.FrameRate;
import org.nifiltx.core.video.VideoFormat;
import org.nifiltx.core.video.VideoWriter;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;

@Tags({"ltx", "video", "generation", "text to video", "image to video", "mp4", "gif", "vae", "ai"})
@CapabilityDescription("Turns what GenerateLatents produced into a video file you can play or store: MP4, animated GIF, a zip "
        + "of PNG frames, or the raw frames as safetensors (Output Format, which accepts Expression Language). It is the last "
        + "of the three steps EncodePrompt, GenerateLatents and DecodeVideo; the FlowFile's filename gets the format's "
        + "extension, ready for PutFile. Size, frame count, frame rate, compatibility and seed come from the metadata "
        + "GenerateLatents wrote into the content; latents made elsewhere, without it, decode to the size their grid "
        + "implies at 25 fps with the official semantics. Technically: the LTX-Video VAE decoder on the normalised latents "
        + "[1, C, F, h, w].")
@InputRequirement(Requirement.INPUT_REQUIRED)
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "The VAE decoder's activations at full resolution.")
@SeeAlso({EncodePrompt.class, GenerateLatents.class})
@WritesAttributes({
    @WritesAttribute(attribute = LtxAttributes.STAGE, description = "video"),
    @WritesAttribute(attribute = LtxAttributes.VIDEO_FORMAT, description = "The output format"),
    @WritesAttribute(attribute = LtxAttributes.MIME_TYPE,
            description = "video/mp4, image/gif, application/zip or application/octet-stream"),
    @WritesAttribute(attribute = LtxAttributes.FILENAME, description = "The filename with the format's extension"),
    @WritesAttribute(attribute = LtxAttributes.DECODE_SEED, description = "Seed of the decode noise"),
    @WritesAttribute(attribute = LtxAttributes.BACKEND, description = "The backend that ran the model on this node (cpu, cuda)"),
    @WritesAttribute(attribute = LtxAttributes.DEVICE, description = "The device ordinal it ran on (0 on the CPU)"),
    @WritesAttribute(attribute = LtxAttributes.PRECISION, description = "The precision the model computed in (Auto resolved)"),
    @WritesAttribute(attribute = LtxAttributes.NODE, description = "The cluster node that ran it (absent on a standalone server)"),
    @WritesAttribute(attribute = LtxAttributes.DURATION_DECODE, description = "Milliseconds the decoding and encoding of the "
            + "video took"),
    @WritesAttribute(attribute = LtxAttributes.ERROR, description = "Why the FlowFile went to failure or retry (removed on "
            + "success)")
})
@MultiProcessorUseCase(
        description = "Generate a video from a text prompt with LTX-Video.",
        keywords = {"text to video", "ltx", "generate video", "diffusion"},
        notes = "All three processors reference the same StandardLtxVideoModelService, so the model is loaded once. "
                + "Compatibility is chosen once, in EncodePrompt: the data carries it on. A Guidance Scale above 1 in "
                + "GenerateLatents needs Classifier-Free Guidance true in EncodePrompt.",
        configurations = {
            @ProcessorConfiguration(processorClass = EncodePrompt.class, configuration = """
                    Set "LTX-Video Model Service" to a StandardLtxVideoModelService whose Model Path is the checkpoint.
                    Set "Prompt" to the text, e.g. ${prompt} to take it from a FlowFile attribute.
                    Connect "success" to GenerateLatents.
                    """),
            @ProcessorConfiguration(processorClass = GenerateLatents.class, configuration = """
                    Keep the defaults (121 frames of 768x512, the distilled timesteps) or set "Num Frames", "Height" and \
                    "Width", e.g. to ${frames}, ${height}, ${width} to take them from each FlowFile's attributes.
                    Leave "Seed" as it is for a random video per FlowFile (the seed is written to ltx.seed), or set a number.
                    Connect "success" to DecodeVideo and "retry" back to GenerateLatents.
                    """),
            @ProcessorConfiguration(processorClass = DecodeVideo.class, configuration = """
                    Set "Output Format" to MP4.
                    Connect "success" to PutFile (or any destination); the filename ends in .mp4.
                    Connect "failure" of all three processors to a place you watch: each FlowFile there carries ltx.error.
                    """)
        })
@MultiProcessorUseCase(
        description = "Animate a still image (PNG or JPEG from an ingest pipeline) into a video with LTX-Video.",
        keywords = {"image to video", "animate image", "keyframe", "ltx"},
        notes = "The image is the incoming FlowFile's content; the prompt comes from an attribute. The image is cropped and "
                + "resized to the video size.",
        configurations = {
            @ProcessorConfiguration(processorClass = EncodePrompt.class, configuration = """
                    Set "Image Source" to "FlowFile Content" and "Prompt" to the text, e.g. ${prompt}.
                    Connect "success" to GenerateLatents; "failure" receives content that is no readable image.
                    """),
            @ProcessorConfiguration(processorClass = GenerateLatents.class, configuration = """
                    Set "Num Frames", "Height" and "Width" as for text-to-video.
                    Leave "Conditioning Frame" at 0 for the image as first frame, or set a later frame to make it a keyframe.
                    Connect "success" to DecodeVideo.
                    """),
            @ProcessorConfiguration(processorClass = DecodeVideo.class, configuration = """
                    Set "Output Format" to MP4 and connect "success" to PutFile.
                    """)
        })
public class DecodeVideo extends AbstractLtxProcessor {
    public static final PropertyDescriptor MODEL_SERVICE = LtxProperties.MODEL_SERVICE;
    public static final PropertyDescriptor DECODE_TIMESTEP = new PropertyDescriptor.Builder()
            .name("Decode Timestep")
            .description("Timestep the timestep-conditioned VAE decodes at (0.9.1+ checkpoints), in [0, 1].")
            .required(true)
            .defaultValue(String.valueOf(Defaults.DECODE_TIMESTEP))
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.UNIT_INTERVAL)
            .build();
    public static final PropertyDescriptor DECODE_NOISE_SCALE = new PropertyDescriptor.Builder()
            .name("Decode Noise Scale")
            .description("Noise mixed into the latents before decoding (timestep-conditioned VAEs only), in [0, 1].")
            .required(true)
            .defaultValue(String.valueOf(Defaults.DECODE_NOISE_SCALE))
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.UNIT_INTERVAL)
            .build();
    public static final PropertyDescriptor OUTPUT_FORMAT = new PropertyDescriptor.Builder()
            .name("Output Format")
            .description("How the frames are written: " + formats() + ".")
            .required(true)
            .defaultValue(OutputFormat.MP4.getValue())
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(OutputFormat.VALIDATOR)
            .build();
    public static final PropertyDescriptor SEED = new PropertyDescriptor.Builder()
            .name(LtxProperties.SEED.getName())
            .description("Seed of the decode noise, a 64-bit integer. When unset or when it evaluates to an empty value, the "
                    + "seed of the generation, which GenerateLatents recorded in the content; a random one for latents "
                    + "without it. Written to ltx.decode.seed.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.ANY_LONG)
            .build();
    public static final PropertyDescriptor NOISE_FILE = LtxProperties.NOISE_FILE;

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_SERVICE, OUTPUT_FORMAT, DECODE_TIMESTEP,
            DECODE_NOISE_SCALE, SEED, NOISE_FILE);

    private volatile LtxVideoModelService service;

    private static String formats() {
        return Arrays.stream(OutputFormat.values()).map(format -> format.getValue() + " (" + format.getDescription() + ")")
                .collect(Collectors.joining(", "));
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    /** Compatibility is no longer set here: the latents carry EncodePrompt's. */
    @Override
    public void migrateProperties(final PropertyConfiguration config) {
        config.removeProperty(LtxProperties.OLD_COMPAT);
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        service = context.getProperty(MODEL_SERVICE).asControllerService(LtxVideoModelService.class);
    }

    @Override
    String stage() {
        return "decode";
    }

    @Override
    String successCounter() {
        return "LTX videos decoded";
    }

    @Override
    StageOutput process(final ProcessContext context, final ProcessSession session, final FlowFile flowFile,
            final Map<String, String> trail) {
        final FlowFileSettings settings = new FlowFileSettings(context, flowFile);
        final Long seedSet = settings.optionalSeed(SEED);
        final double decodeTimestep = settings.decimal(DECODE_TIMESTEP);
        final double decodeNoiseScale = settings.decimal(DECODE_NOISE_SCALE);
        final String formatName = settings.text(OUTPUT_FORMAT);
        final OutputFormat outputFormat = OutputFormat.find(formatName);
        if (outputFormat == null) {
            settings.problem(OUTPUT_FORMAT, OutputFormat.problem(formatName));
        }
        final String noiseFile = settings.text(NOISE_FILE);
        settings.check();
        final LtxModelInfo info = service.modelInfo();
        final DecodeSpec[] decoding = new DecodeSpec[1];
        // Sized from what GenerateLatents recorded in the content's header and its memory checked, before the latents
        // themselves are read. Without that metadata: the largest size the latent grid decodes to and the default compat.
        final TensorBundle content = FlowFileTensors.read(session, flowFile, ContentRules.latents(info, (shape, metadata) -> {
            decoding[0] = DecodeSpec.ofLatentGrid(shape, info.spatialCompression(), info.temporalCompression())
                    .withLatentsMetadata(metadata).withDecoding(decodeTimestep, decodeNoiseScale);
            service.validateDecode(decoding[0]);
        }));
        final DecodeSpec spec = decoding[0];
        final Tensor latents = content.get(GenerateLatents.LATENTS_TENSOR);
        final Long generationSeed = StageMetadata.integer64(content.metadata(), StageMetadata.SEED);
        final long seed = seedSet != null ? seedSet : generationSeed != null ? generationSeed : FlowFileSettings.randomSeed();
        trail.put(LtxAttributes.DECODE_SEED, String.valueOf(seed));
        final Tensor video = service.decode(latents, spec, noise(noiseFile, seed), progress(session, flowFile, false));
        final double frameRate = spec.frameRate();
        final VideoFormat videoFormat = outputFormat.videoFormat();
        final Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(LtxAttributes.STAGE, LtxAttributes.STAGE_VIDEO);
        attributes.put(LtxAttributes.VIDEO_FORMAT, outputFormat.name());
        attributes.put(LtxAttributes.MIME_TYPE, outputFormat.mimeType());
        attributes.put(LtxAttributes.FILENAME, withExtension(flowFile.getAttribute(LtxAttributes.FILENAME), outputFormat.extension()));
        final String details = outputFormat.getDisplayName() + ", " + spec.numFrames() + " frames of " + spec.width() + "x"
                + spec.height() + " at " + frameRate + " fps, decode seed " + seed;
        return new StageOutput(out -> VideoWriter.write(out, video, FrameRate.of(frameRate), videoFormat, Map.of()), attributes,
                details, info);
    }

    static String withExtension(final String filename, final String extension) {
        final String base = filename == null || filename.isBlank() ? "ltx-video" : filename;
        final int dot = base.lastIndexOf('.');
        return (dot > 0 ? base.substring(0, dot) : base) + "." + extension;
    }
}
