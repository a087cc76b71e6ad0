package org.nifiltx.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.lora.LoraMerge;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.inspect.WeightAudit;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.text.TextEncoderModel;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.onnx.model.vae.DecodeTiling;
import org.nifiltx.onnx.model.vae.VaeDecoderRunner;
import org.nifiltx.core.pipeline.Defaults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltx run COMPONENT}: one model component on named tensors (the fixed contract of
 * {@link ComponentContract}). Arguments are checked before any model is loaded; the inputs before any graph is built.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one component (text-encoder, transformer, vae-decode, vae-encode, upsample) on a safetensors file.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "COMPONENT", description = "text-encoder, transformer, vae-decode, vae-encode or upsample")
    String component;

    @Option(names = "--model", required = true,
            description = "checkpoint: single file or diffusers folder; text-encoder: diffusers/text_encoder folder or GGUF; upsample: upsampler file or folder")
    Path model;

    @Option(names = "--inputs", description = "safetensors file holding the input tensors")
    Path inputs;

    @Option(names = "--output", required = true, description = "safetensors file to write the outputs to")
    Path output;

    @Mixin
    BackendMixin backendOptions;

    @Mixin
    LoraOptions lora;

    @Option(names = "--no-mask", description = "text-encoder: run T5 without the attention mask (diffusers LTXPipeline)")
    boolean noMask;

    @Option(names = "--prompt", description = "text-encoder: tokenize this prompt instead of reading --inputs")
    String prompt;

    @Option(names = "--max-length", defaultValue = "" + Defaults.OFFICIAL_MAX_LENGTH,
            description = "text-encoder with --prompt: padded token length (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--tile", defaultValue = "auto",
            description = "vae-decode: auto (default: tile only when the memory budget needs it), none, or a square tile size in pixels")
    String tile;

    @Option(names = "--memory-budget", paramLabel = "MB",
            description = "vae-decode with --tile auto: peak memory budget in MB (default: half the physical memory)")
    Long memoryBudget;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
        final Component which = Component.fromCliName(component);
        final BackendOptions options = backendOptions.options(model).resolved();
        if (prompt == null && inputs == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--inputs is required" + (which == Component.TEXT_ENCODER
                    ? " (or --prompt for text-encoder)" : ""));
        }
        if (prompt != null && which != Component.TEXT_ENCODER) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--prompt applies to the text-encoder component only");
        }
        if (maxLength < 1) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--max-length must be at least 1, got " + maxLength);
        }
        if (lora.given() && which != Component.TRANSFORMER) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--lora applies to the transformer component only");
        }
        final List<LoraSpec> loras = lora.specs();
        final Backend chosen = Backends.find(options);
        WriteFailure.requireWritable("safetensors file", output);
        final TensorBundle result = switch (which) {
            case TRANSFORMER, VAE_DECODE, VAE_ENCODE -> runCheckpointComponent(which, chosen, options, loras);
            case TEXT_ENCODER -> runTextEncoder(chosen, options);
            case UPSAMPLE -> runUpsampler(chosen, options);
        };
        SafeTensors.write(output, result);
        return 0;
    }

    private TensorBundle runCheckpointComponent(final Component which, final Backend chosen, final BackendOptions options,
            final List<LoraSpec> loras) {
        final TensorBundle in = SafeTensors.read(inputs);
        final LtxCheckpoint checkpoint = LoraMerge.apply(LtxCheckpoint.open(model), loras);
        final ComponentContract contract = switch (which) {
            case TRANSFORMER -> ComponentContract.transformer(checkpoint.transformerConfig());
            case VAE_DECODE -> ComponentContract.vaeDecode(checkpoint.vaeConfig());
            default -> ComponentContract.vaeEncode(checkpoint.vaeConfig());
        };
        contract.validate(in);
        WeightAudit.requireComplete(WeightAudit.checkpoint(chosen, checkpoint, which));
        try (ComponentRunner runner = switch (which) {
            case TRANSFORMER -> chosen.transformer(checkpoint, options);
            case VAE_DECODE -> chosen.vaeDecoder(checkpoint, options);
            default -> chosen.vaeEncoder(checkpoint, options);
        }) {
            if (runner instanceof VaeDecoderRunner decoder) {
                return decoder.run(in, decodeTiling(checkpoint, in));
            }
            return runner.run(in);
        }
    }

    /** The tiling that --tile and --memory-budget ask for (auto: within the budget, see DecodeTiling.forBudget). */
    private DecodeTiling decodeTiling(final LtxCheckpoint checkpoint, final TensorBundle in) {
        if (memoryBudget != null && !tile.equals("auto")) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--memory-budget applies to --tile auto only");
        }
        final long budget = MemoryBudgetOption.bytes(memoryBudget);
        return switch (tile) {
            case "auto" -> DecodeTiling.forBudget(budget == 0 ? MemoryBudget.defaultBytes() : budget,
                    checkpoint.vaeConfig(), in.get("latents_normalized").shape());
            case "none" -> DecodeTiling.NONE;
            default -> DecodeTiling.square(tilePixels(), checkpoint.vaeConfig().spatialCompression());
        };
    }

    private int tilePixels() {
        try {
            return Integer.parseInt(tile);
        } catch (final NumberFormatException e) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--tile must be auto, none or a size in pixels, got '"
                    + tile + "'");
        }
    }

    private TensorBundle runTextEncoder(final Backend chosen, final BackendOptions options) {
        final TextEncoderModel encoder = TextEncoderModel.open(model);
        final TensorBundle in = prompt != null ? encoder.tokenizer().encodeBatch(List.of(prompt), maxLength) : SafeTensors.read(inputs);
        ComponentContract.textEncoder(encoder.config()).validate(in);
        WeightAudit.requireComplete(List.of(WeightAudit.textEncoder(chosen, encoder.config(), encoder.weights())));
        try (ComponentRunner runner = chosen.textEncoder(encoder.config(), encoder.weights(), !noMask, options)) {
            final TensorBundle out = runner.run(in);
            if (prompt == null) {
                return out;
            }
            final Map<String, Tensor> all = new LinkedHashMap<>(in.tensors());
            all.putAll(out.tensors());
            return TensorBundle.of(all);
        }
    }

    private TensorBundle runUpsampler(final Backend chosen, final BackendOptions options) {
        final TensorBundle in = SafeTensors.read(inputs);
        final LatentUpsamplerModel upsampler = LatentUpsamplerModel.open(model);
        ComponentContract.upsample(upsampler).validate(in);
        try (ComponentRunner runner = chosen.latentUpsampler(upsampler, options)) {
            return runner.run(in);
        }
    }
}
