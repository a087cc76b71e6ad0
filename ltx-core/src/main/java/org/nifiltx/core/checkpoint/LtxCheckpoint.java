package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.safetensors.ShardedSafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * An LTX-Video 0.9.x checkpoint opened from either layout, exposed under one canonical naming (the Lightricks
 * original keys, without the {@code model.diffusion_model.} / {@code vae.} prefixes) and one config vocabulary.
 * Weights stay memory-mapped.
 */
public final class LtxCheckpoint {
    static final String TRANSFORMER_PREFIX = "model.diffusion_model.";
    static final String VAE_PREFIX = "vae.";

    private final Path path;
    private final CheckpointLayout layout;
    private final TransformerConfig transformerConfig;
    private final WeightStore transformerWeights;
    private final VaeConfig vaeConfig;
    private final WeightStore vaeWeights;
    private final Optional<JsonNode> schedulerConfig;
    private final Optional<TextEncoder> textEncoder;
    private final Optional<JsonNode> allowedInferenceSteps;

    /** The T5 text encoder of a diffusers folder: its config, weights (transformers names) and tokenizer folder. */
    public record TextEncoder(T5Config config, WeightStore weights, Path tokenizerDir) {
    }

    private LtxCheckpoint(final Path path, final CheckpointLayout layout, final TransformerConfig transformerConfig,
            final WeightStore transformerWeights, final VaeConfig vaeConfig, final WeightStore vaeWeights,
            final Optional<JsonNode> schedulerConfig, final Optional<TextEncoder> textEncoder,
            final Optional<JsonNode> allowedInferenceSteps) {
        this.path = path;
        this.layout = layout;
        this.transformerConfig = transformerConfig;
        this.transformerWeights = transformerWeights;
        this.vaeConfig = vaeConfig;
        this.vaeWeights = vaeWeights;
        this.schedulerConfig = schedulerConfig;
        this.textEncoder = textEncoder;
        this.allowedInferenceSteps = allowedInferenceSteps;
    }

    /** Opens a single-file checkpoint ({@code *.safetensors}) or a diffusers folder. */
    public static LtxCheckpoint open(final Path path) {
        if (Files.isDirectory(path)) {
            return openDiffusers(path);
        }
        if (!Files.exists(path)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "model not found: " + path);
        }
        return openSingleFile(path);
    }

    private static LtxCheckpoint openSingleFile(final Path file) {
        final TensorBundle bundle = SafeTensors.read(file);
        final String configText = bundle.metadata().get("config");
        if (configText == null) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, file + " has no __metadata__ config: not an LTX-Video "
                    + "single-file checkpoint (expected metadata 'config' with transformer and vae sections)");
        }
        final JsonNode config = Json.parse(file + " metadata config", configText);
        final String source = file.getFileName().toString();
        final TransformerConfig transformer = TransformerConfig.fromJson(Json.required(config, "transformer", source), source);
        final VaeConfig vae = VaeConfig.fromOriginal(Json.required(config, "vae", source), source);
        final Map<String, Tensor> transformerTensors = new LinkedHashMap<>();
        final Map<String, Tensor> vaeTensors = new LinkedHashMap<>();
        for (final Map.Entry<String, Tensor> e : bundle.tensors().entrySet()) {
            if (e.getKey().startsWith(TRANSFORMER_PREFIX)) {
                transformerTensors.put(e.getKey().substring(TRANSFORMER_PREFIX.length()), e.getValue());
            } else if (e.getKey().startsWith(VAE_PREFIX)) {
                vaeTensors.put(e.getKey().substring(VAE_PREFIX.length()), e.getValue());
            }
        }
        requireNonEmpty(transformerTensors, "transformer (" + TRANSFORMER_PREFIX + "*)", file);
        requireNonEmpty(vaeTensors, "VAE (" + VAE_PREFIX + "*)", file);
        return new LtxCheckpoint(file, CheckpointLayout.SINGLE_FILE, transformer, new WeightStore("transformer", transformerTensors),
                vae, new WeightStore("vae", vaeTensors), Optional.ofNullable(config.get("scheduler")), Optional.empty(),
                Optional.ofNullable(config.get("allowed_inference_steps")));
    }

    private static LtxCheckpoint openDiffusers(final Path folder) {
        final Path transformerDir = folder.resolve("transformer");
        final Path vaeDir = folder.resolve("vae");
        if (!Files.isRegularFile(folder.resolve("model_index.json")) && !Files.isDirectory(transformerDir)) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH,
                    folder + " is neither a single-file checkpoint nor a diffusers folder (no model_index.json, no transformer/)");
        }
        final String tSource = "transformer/config.json";
        final TransformerConfig transformer = TransformerConfig.fromJson(Json.read(transformerDir.resolve("config.json")), tSource);
        final Map<String, Tensor> transformerTensors = new LinkedHashMap<>();
        ShardedSafeTensors.readFolder(transformerDir).tensors()
                .forEach((k, v) -> transformerTensors.put(KeyRenames.transformerToOriginal(k), v));

        final String vSource = "vae/config.json";
        final JsonNode vaeJson = Json.read(vaeDir.resolve("config.json"));
        final DiffusersVaeFamily family = DiffusersVaeFamily.detect(vaeJson, vSource);
        final VaeConfig vae = family.translate(vaeJson, vSource);
        final List<KeyRenames.Rename> prefixes = family.blockPrefixes(vae);
        final Map<String, Tensor> vaeTensors = new LinkedHashMap<>();
        ShardedSafeTensors.readFolder(vaeDir).tensors().forEach((k, v) -> vaeTensors.put(KeyRenames.vaeToOriginal(k, prefixes), v));

        final Path schedulerFile = folder.resolve("scheduler").resolve("scheduler_config.json");
        final Optional<JsonNode> scheduler = Files.isRegularFile(schedulerFile) ? Optional.of(Json.read(schedulerFile)) : Optional.empty();
        return new LtxCheckpoint(folder, CheckpointLayout.DIFFUSERS, transformer, new WeightStore("transformer", transformerTensors),
                vae, new WeightStore("vae", vaeTensors), scheduler, openTextEncoder(folder), Optional.empty());
    }

    private static Optional<TextEncoder> openTextEncoder(final Path folder) {
        final Path dir = folder.resolve("text_encoder");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        final T5Config config = T5Config.fromJson(Json.read(dir.resolve("config.json")), "text_encoder/config.json");
        final WeightStore weights = new WeightStore("text encoder", ShardedSafeTensors.readFolder(dir).tensors());
        return Optional.of(new TextEncoder(config, weights, folder.resolve("tokenizer")));
    }

    private static void requireNonEmpty(final Map<String, Tensor> tensors, final String what, final Path file) {
        if (tensors.isEmpty()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, file + " holds no " + what + " tensors");
        }
    }

    public Path path() {
        return path;
    }

    public CheckpointLayout layout() {
        return layout;
    }

    public TransformerConfig transformerConfig() {
        return transformerConfig;
    }

    public WeightStore transformerWeights() {
        return transformerWeights;
    }

    /** This checkpoint with other transformer weights of the same config (LoRA adapters merged in). */
    public LtxCheckpoint withTransformerWeights(final WeightStore weights) {
        return new LtxCheckpoint(path, layout, transformerConfig, weights, vaeConfig, vaeWeights, schedulerConfig, textEncoder,
                allowedInferenceSteps);
    }

    public VaeConfig vaeConfig() {
        return vaeConfig;
    }

    public WeightStore vaeWeights() {
        return vaeWeights;
    }

    /** The scheduler section (original {@code RectifiedFlowScheduler} or diffusers {@code scheduler_config.json}). */
    public Optional<JsonNode> schedulerConfig() {
        return schedulerConfig;
    }

    public Optional<TextEncoder> textEncoder() {
        return textEncoder;
    }

    /** Timesteps a distilled checkpoint allows (original metadata {@code allowed_inference_steps}). */
    public Optional<JsonNode> allowedInferenceSteps() {
        return allowedInferenceSteps;
    }

    /** The 0.9.x family, told apart by the VAE topology as the reference converters do. */
    public String modelVersion() {
        final boolean residualDown = vaeConfig.encoderBlocks().stream().anyMatch(b -> b.type().endsWith("_res"));
        if (residualDown) {
            return "0.9.5+";
        }
        return vaeConfig.timestepConditioning() ? "0.9.1" : "0.9.0";
    }
}
