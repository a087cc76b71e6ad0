package org.nifiltx.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.schedule.RectifiedFlowConfig;

/**
 * An official pipeline config ({@code configs/ltxv-*.yaml} of Lightricks/LTX-Video) mapped onto a request: pipeline type,
 * per-pass sampling and guidance, decode settings, and the model paths (relative to the YAML's folder). The official
 * pipeline applies the top-level sampling keys to every call and {@code first_pass}/{@code second_pass} on top
 * ({@code kwargs.update}), so a pass inherits the top level; keys absent everywhere take the official
 * {@code LTXVideoPipeline.__call__} defaults ({@link Defaults.OfficialCall}: 20 steps, guidance 4.5, STG 1.0 with no
 * blocks, rescaling 0.7).
 */
public final class PipelineConfig {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Keys that describe one pipeline call; they may sit at the top level or in first_pass / second_pass. */
    private static final Set<String> PASS_KEYS = Set.of("num_inference_steps", "timesteps", "guidance_scale", "stg_scale",
            "rescaling_scale", "guidance_timesteps", "skip_block_list", "skip_initial_inference_steps", "skip_final_inference_steps",
            "cfg_star_rescale", "stochastic_sampling", "tone_map_compression_ratio");
    /** Top-level keys read here, or official ones that change nothing without the official CLI's --enhance_prompt. */
    private static final Set<String> TOP_KEYS = Set.of("pipeline_type", "checkpoint_path", "downscale_factor",
            "spatial_upscaler_model_path", "stg_mode", "decode_timestep", "decode_noise_scale", "text_encoder_model_name_or_path",
            "precision", "sampler", "first_pass", "second_pass", "prompt_enhancement_words_threshold",
            "prompt_enhancer_image_caption_model_name_or_path", "prompt_enhancer_llm_model_name_or_path", "lora");

    private final Path file;
    private final boolean multiScale;
    private final Double downscaleFactor;
    private final Double decodeTimestep;
    private final Double decodeNoiseScale;
    private final Precision precision;
    private final PassSettings firstPass;
    private final PassSettings secondPass;
    private final Path checkpoint;
    private final Path upsampler;
    private final Path textEncoder;
    private final List<LoraSpec> loras;
    private final List<String> unknownKeys;

    private PipelineConfig(final Path file, final JsonNode root) {
        this.file = file;
        final List<String> unknown = new ArrayList<>();
        for (final Iterator<String> names = root.fieldNames(); names.hasNext();) {
            final String name = names.next();
            if (!TOP_KEYS.contains(name) && !PASS_KEYS.contains(name)) {
                unknown.add(name);
            }
        }
        final String type = text(root, "pipeline_type", "base");
        if (!type.equals("base") && !type.equals("multi-scale")) {
            throw invalid("pipeline_type must be base or multi-scale, got '" + type + "'");
        }
        this.multiScale = type.equals("multi-scale");
        checkStgMode(text(root, "stg_mode", Defaults.OfficialCall.STG_MODE));
        final RectifiedFlowConfig.Sampler sampler = sampler(text(root, "sampler", Defaults.OfficialCall.SAMPLER));
        this.downscaleFactor = number(root, "downscale_factor");
        this.decodeTimestep = number(root, "decode_timestep");
        this.decodeNoiseScale = number(root, "decode_noise_scale");
        this.precision = root.hasNonNull("precision") ? precision(root.get("precision").asText()) : null;
        final Path folder = file.toAbsolutePath().getParent();
        this.checkpoint = path(root, "checkpoint_path", folder);
        this.upsampler = path(root, "spatial_upscaler_model_path", folder);
        this.textEncoder = path(root, "text_encoder_model_name_or_path", folder);
        this.loras = loras(root.get("lora"), folder);
        if (multiScale) {
            this.firstPass = pass(root, dict(root, "first_pass", unknown), sampler, "first_pass.");
            this.secondPass = pass(root, dict(root, "second_pass", unknown), sampler, "second_pass.");
        } else {
            for (final String name : List.of("first_pass", "second_pass")) {
                if (root.has(name)) {
                    unknown.add(name + " (pipeline_type base has one pass)");
                }
            }
            this.firstPass = pass(root, null, sampler, "");
            this.secondPass = null;
        }
        this.unknownKeys = List.copyOf(unknown);
    }

    /** Reads and checks a pipeline config; every bad value is an INVALID_ARGUMENT naming the key, bad STG modes UNSUPPORTED. */
    public static PipelineConfig read(final Path yaml) {
        if (!Files.isRegularFile(yaml)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "pipeline config not found: " + yaml);
        }
        final JsonNode root;
        try {
            root = YAML.readTree(yaml.toFile());
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "pipeline config " + yaml + " is not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "pipeline config " + yaml + " must be a YAML mapping of keys to values");
        }
        return new PipelineConfig(yaml, root);
    }

    /** Sets what the config fixes on {@code builder}: passes, multi-scale, downscale factor, decode settings. */
    public GenerationRequest.Builder applyTo(final GenerationRequest.Builder builder) {
        builder.multiScale(multiScale).firstPass(firstPass).secondPass(secondPass);
        if (downscaleFactor != null) {
            builder.downscaleFactor(downscaleFactor);
        }
        if (decodeTimestep != null) {
            builder.decodeTimestep(decodeTimestep);
        }
        if (decodeNoiseScale != null) {
            builder.decodeNoiseScale(decodeNoiseScale);
        } else if (decodeTimestep != null) {
            builder.decodeNoiseScale(decodeTimestep); // the official pipeline's fallback
        }
        return builder;
    }

    public Path file() {
        return file;
    }

    public boolean multiScale() {
        return multiScale;
    }

    public Optional<Double> downscaleFactor() {
        return Optional.ofNullable(downscaleFactor);
    }

    public Optional<Double> decodeTimestep() {
        return Optional.ofNullable(decodeTimestep);
    }

    public Optional<Double> decodeNoiseScale() {
        return Optional.ofNullable(decodeNoiseScale);
    }

    /** {@code precision}: bfloat16 and mixed_precision → BF16, float8_e4m3fn → FP8, float32 → FP32. */
    public Optional<Precision> precision() {
        return Optional.ofNullable(precision);
    }

    public PassSettings firstPass() {
        return firstPass;
    }

    /** The second pass of a multi-scale config. */
    public Optional<PassSettings> secondPass() {
        return Optional.ofNullable(secondPass);
    }

    /** {@code checkpoint_path} resolved against the YAML's folder. */
    public Optional<Path> checkpoint() {
        return Optional.ofNullable(checkpoint);
    }

    /** {@code spatial_upscaler_model_path} resolved against the YAML's folder. */
    public Optional<Path> upsampler() {
        return Optional.ofNullable(upsampler);
    }

    /** {@code text_encoder_model_name_or_path} resolved against the YAML's folder. */
    public Optional<Path> textEncoder() {
        return Optional.ofNullable(textEncoder);
    }

    /**
     * {@code lora}: the adapters merged into the transformer, files resolved against the YAML's folder. An extension of
     * the official format (whose configs name none): one entry or a list, each {@code FILE[:SCALE]} or a mapping
     * {@code {path: FILE, scale: S}} (scale 1 when absent). It applies to every pass: adapters are merged at load.
     */
    public List<LoraSpec> loras() {
        return loras;
    }

    /** Keys this reader does not know, in file order. */
    public List<String> unknownKeys() {
        return unknownKeys;
    }

    /** One line for the user when keys were ignored. */
    public Optional<String> warning() {
        return unknownKeys.isEmpty() ? Optional.empty()
                : Optional.of("pipeline config " + file + ": ignored unknown keys " + String.join(", ", unknownKeys));
    }

    private static List<LoraSpec> loras(final JsonNode node, final Path folder) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        final List<JsonNode> entries = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(entries::add);
        } else {
            entries.add(node);
        }
        final List<LoraSpec> out = new ArrayList<>();
        for (final JsonNode entry : entries) {
            try {
                out.add(lora(entry).resolvedAgainst(folder));
            } catch (final LtxException e) {
                throw e.getMessage().startsWith("pipeline config") ? e : invalid(e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private static LoraSpec lora(final JsonNode entry) {
        if (entry.isTextual()) {
            return LoraSpec.parse(entry.asText());
        }
        final JsonNode path = entry.get("path");
        final JsonNode scale = entry.get("scale");
        if (!entry.isObject() || path == null || !path.isTextual() || path.asText().isBlank() || (scale != null && !scale.isNumber())) {
            throw invalid("lora entries must be FILE[:SCALE] strings or {path: FILE, scale: NUMBER} mappings, got " + entry);
        }
        for (final Iterator<String> names = entry.fieldNames(); names.hasNext();) {
            final String name = names.next();
            if (!name.equals("path") && !name.equals("scale")) {
                throw invalid("lora entry " + entry + " has an unknown key '" + name + "' (expected path and scale)");
            }
        }
        return new LoraSpec(Path.of(path.asText()), scale == null ? 1.0 : scale.doubleValue());
    }

    private static JsonNode dict(final JsonNode root, final String name, final List<String> unknown) {
        final JsonNode node = root.get(name);
        if (node == null || !node.isObject()) {
            throw invalid("pipeline_type multi-scale needs a " + name + " mapping");
        }
        for (final Iterator<String> names = node.fieldNames(); names.hasNext();) {
            final String key = names.next();
            if (!PASS_KEYS.contains(key)) {
                unknown.add(name + "." + key);
            }
        }
        return node;
    }

    /** One pass: {@code own} keys over the top-level ones (the official kwargs.update), then the official defaults. */
    private static PassSettings pass(final JsonNode root, final JsonNode own, final RectifiedFlowConfig.Sampler sampler,
            final String prefix) {
        final PassKeys keys = new PassKeys(root, own, prefix);
        final List<Double> guidanceTimesteps = keys.numbers("guidance_timesteps", null);
        final GuidanceSchedule guidance = new GuidanceSchedule(guidanceTimesteps, keys.numbers("guidance_scale",
                Defaults.OfficialCall.GUIDANCE_SCALE), keys.numbers("stg_scale", Defaults.OfficialCall.STG_SCALE),
                keys.numbers("rescaling_scale", Defaults.OfficialCall.RESCALE), keys.blocks());
        final int steps = keys.integer("num_inference_steps", Defaults.OfficialCall.STEPS);
        final PassSettings pass = new PassSettings(steps, keys.numbers("timesteps", null), sampler, guidance,
                keys.integer("skip_initial_inference_steps", 0), keys.integer("skip_final_inference_steps", 0),
                keys.bool("cfg_star_rescale"), keys.bool("stochastic_sampling"), keys.number("tone_map_compression_ratio", 0.0));
        // the request checks again; checking here names the config section before any model is opened
        pass.validate(prefix.isEmpty() ? "pipeline config: " : "pipeline config " + prefix.substring(0, prefix.length() - 1) + ": ",
                prefix.startsWith("second"));
        return pass;
    }

    private static void checkStgMode(final String mode) {
        switch (mode.toLowerCase(Locale.ROOT)) {
            case "attention_values", "stg_av" -> {
            }
            case "attention_skip", "stg_as", "residual", "stg_r", "transformer_block", "stg_t" -> throw new LtxException(
                    LtxErrorCode.UNSUPPORTED, "stg_mode '" + mode + "' is not supported; only attention_values (the mode of every "
                            + "official config) is implemented");
            default -> throw invalid("stg_mode must be attention_values, attention_skip, residual or transformer_block, got '"
                    + mode + "'");
        }
    }

    private static RectifiedFlowConfig.Sampler sampler(final String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "from_checkpoint" -> null;
            case "uniform" -> RectifiedFlowConfig.Sampler.UNIFORM;
            case "linear-quadratic" -> RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC;
            default -> throw invalid("sampler must be uniform, linear-quadratic or from_checkpoint, got '" + name + "'");
        };
    }

    private static Precision precision(final String name) {
        return switch (name) {
            case "bfloat16", "mixed_precision" -> Precision.BF16;
            case "float8_e4m3fn" -> Precision.FP8;
            case "float32" -> Precision.FP32;
            default -> throw invalid("precision must be bfloat16, mixed_precision, float8_e4m3fn or float32, got '" + name + "'");
        };
    }

    private static String text(final JsonNode root, final String key, final String fallback) {
        final JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw invalid(key + " must be a string, got " + node);
        }
        return node.asText();
    }

    private static Double number(final JsonNode root, final String key) {
        final JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            throw invalid(key + " must be a number, got " + node);
        }
        return node.asDouble();
    }

    private static Path path(final JsonNode root, final String key, final Path folder) {
        final String value = text(root, key, null);
        return value == null || value.isBlank() ? null : folder.resolve(value).normalize();
    }

    static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: " + message);
    }
}
