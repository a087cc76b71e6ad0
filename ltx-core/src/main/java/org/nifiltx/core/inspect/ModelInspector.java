package org.nifiltx.core.inspect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.VaeBlock;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.DType;

/**
 * What {@code ltx inspect} reports: layout, version, every component's dimensions, parameter counts and dtypes, as
 * an ordered tree of maps (rendered as JSON or as indented text). Both layouts of one model give identical
 * component sections.
 */
public final class ModelInspector {
    private ModelInspector() {
    }

    public static Map<String, Object> describe(final LtxCheckpoint checkpoint) {
        return describe(checkpoint, List.of());
    }

    /**
     * The description with, per component, whether every weight its graph reads is present in the implied shape
     * ({@code findings} from {@link WeightAudit}; components without a finding are not judged).
     */
    public static Map<String, Object> describe(final LtxCheckpoint checkpoint, final List<WeightAudit.Finding> findings) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", checkpoint.path().toString());
        out.put("layout", checkpoint.layout().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        out.put("version", checkpoint.modelVersion());
        if (!findings.isEmpty()) {
            out.put("complete", findings.stream().allMatch(WeightAudit.Finding::complete));
        }
        final Map<String, Object> transformer = transformer(checkpoint.transformerConfig(), checkpoint.transformerWeights());
        finding(findings, Component.TRANSFORMER).ifPresent(f -> transformer.put("weights", f.describe()));
        out.put("transformer", transformer);
        final Map<String, Object> vae = vae(checkpoint.vaeConfig(), checkpoint.vaeWeights());
        finding(findings, Component.VAE_DECODE).ifPresent(f -> vae.put("decoder_weights", f.describe()));
        finding(findings, Component.VAE_ENCODE).ifPresent(f -> vae.put("encoder_weights", f.describe()));
        out.put("vae", vae);
        checkpoint.textEncoder().ifPresent(t -> {
            final Map<String, Object> encoder = textEncoder(t.config(), t.weights());
            finding(findings, Component.TEXT_ENCODER).ifPresent(f -> encoder.put("weights", f.describe()));
            out.put("text_encoder", encoder);
        });
        checkpoint.allowedInferenceSteps().ifPresent(steps -> {
            final List<Double> list = new ArrayList<>();
            steps.forEach(s -> list.add(s.asDouble()));
            out.put("allowed_inference_steps", list);
        });
        return out;
    }

    private static Optional<WeightAudit.Finding> finding(final List<WeightAudit.Finding> findings, final Component component) {
        return findings.stream().filter(f -> f.component() == component).findFirst();
    }

    static Map<String, Object> transformer(final TransformerConfig c, final WeightStore weights) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", c.numLayers());
        m.put("heads", c.numAttentionHeads());
        m.put("head_dim", c.attentionHeadDim());
        m.put("hidden_dim", c.innerDim());
        m.put("in_channels", c.inChannels());
        m.put("out_channels", c.outChannels());
        m.put("caption_channels", c.captionChannels());
        m.put("cross_attention_dim", c.crossAttentionDim());
        m.put("patch_size", List.of(c.patchSizeT(), c.patchSize(), c.patchSize()));
        m.put("rope_padding", c.ropePadding());
        m.put("timestep_conditioning", "adaln-single x" + (long) c.timestepScaleMultiplier());
        m.putAll(parameters(weights));
        return m;
    }

    static Map<String, Object> vae(final VaeConfig c, final WeightStore weights) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("latent_channels", c.latentChannels());
        m.put("patch_size", c.patchSize());
        m.put("spatial_compression", c.spatialCompression());
        m.put("temporal_compression", c.temporalCompression());
        m.put("encoder_base_channels", c.encoderBaseChannels());
        m.put("decoder_base_channels", c.decoderBaseChannels());
        m.put("encoder_blocks", blocks(c.encoderBlocks()));
        m.put("decoder_blocks", blocks(c.decoderBlocks()));
        m.put("timestep_conditioning", c.timestepConditioning());
        m.put("causal_decoder", c.causalDecoder());
        m.putAll(parameters(weights));
        return m;
    }

    static Map<String, Object> textEncoder(final T5Config c, final WeightStore weights) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("d_model", c.dModel());
        m.put("layers", c.numLayers());
        m.put("heads", c.numHeads());
        m.put("d_kv", c.dKv());
        m.put("d_ff", c.dFf());
        m.put("vocab_size", c.vocabSize());
        m.put("relative_buckets", c.relativeAttentionNumBuckets());
        m.put("relative_max_distance", c.relativeAttentionMaxDistance());
        m.putAll(parameters(weights));
        return m;
    }

    private static List<String> blocks(final List<VaeBlock> blocks) {
        final List<String> out = new ArrayList<>();
        for (final VaeBlock b : blocks) {
            out.add(b.type() + (b.type().equals("res_x") ? " x" + b.numLayers() : " x" + b.multiplier() + (b.residual() ? " residual" : "")));
        }
        return out;
    }

    private static Map<String, Object> parameters(final WeightStore weights) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("parameters", weights.parameterCount());
        final Map<String, Long> dtypes = new LinkedHashMap<>();
        for (final Map.Entry<DType, Long> e : weights.parametersByDtype().entrySet()) {
            dtypes.put(e.getKey().name(), e.getValue());
        }
        m.put("dtypes", dtypes);
        return m;
    }

    /** Indented text, one "key: value" per line. */
    public static String toText(final Map<String, Object> tree) {
        final StringBuilder out = new StringBuilder();
        render(tree, "", out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void render(final Map<String, Object> tree, final String indent, final StringBuilder out) {
        for (final Map.Entry<String, Object> e : tree.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> child) {
                out.append(indent).append(e.getKey()).append(":\n");
                render((Map<String, Object>) child, indent + "  ", out);
            } else {
                out.append(indent).append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
        }
    }
}
