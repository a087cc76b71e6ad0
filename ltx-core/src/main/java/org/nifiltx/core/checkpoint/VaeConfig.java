package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The causal video VAE in the original ({@code CausalVideoAutoencoder}) vocabulary. A diffusers
 * {@code vae/config.json} (0.9.0, 0.9.1, 0.9.5 family) is translated into the same block lists.
 *
 * @param encoderBlocks block list as the original config gives it (input side first)
 * @param decoderBlocks block list as the original config gives it: the original decoder builds it in reverse, so
 *                      the first entry is the group next to the output and the last one is the mid block
 */
public record VaeConfig(
        int inChannels,
        int outChannels,
        int latentChannels,
        int patchSize,
        int encoderBaseChannels,
        int decoderBaseChannels,
        List<VaeBlock> encoderBlocks,
        List<VaeBlock> decoderBlocks,
        boolean timestepConditioning,
        boolean causalDecoder,
        String spatialPaddingMode,
        String latentLogVar,
        String normLayer) {

    /** Pixels per latent along height and width: the patch size times each spatial halving of the encoder. */
    public int spatialCompression() {
        int factor = patchSize;
        for (final VaeBlock b : encoderBlocks) {
            if (b.type().startsWith("compress_space") || b.type().startsWith("compress_all")) {
                factor *= 2;
            }
        }
        return factor;
    }

    /** Pixel frames per latent frame (after the first): each temporal halving of the encoder. */
    public int temporalCompression() {
        int factor = 1;
        for (final VaeBlock b : encoderBlocks) {
            if (b.type().startsWith("compress_time") || b.type().startsWith("compress_all")) {
                factor *= 2;
            }
        }
        return factor;
    }

    public static VaeConfig fromOriginal(final JsonNode node, final String source) {
        final JsonNode shared = node.get("blocks");
        final List<VaeBlock> encoder = blocks(node.has("encoder_blocks") ? node.get("encoder_blocks") : shared, source);
        final List<VaeBlock> decoder = blocks(node.has("decoder_blocks") ? node.get("decoder_blocks") : shared, source);
        final int dims = Json.optInt(node, "dims", 3);
        if (dims != 3) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, source + " VAE has dims " + dims + "; only 3-D video VAEs are supported");
        }
        return new VaeConfig(
                Json.optInt(node, "in_channels", 3),
                Json.optInt(node, "out_channels", 3),
                Json.requiredInt(node, "latent_channels", source),
                Json.optInt(node, "patch_size", 1),
                Json.optInt(node, "encoder_base_channels", 128),
                Json.optInt(node, "decoder_base_channels", 128),
                encoder,
                decoder,
                Json.optBoolean(node, "timestep_conditioning", false),
                Json.optBoolean(node, "causal_decoder", false),
                Json.optText(node, "spatial_padding_mode", "zeros"),
                Json.optText(node, "latent_log_var", "uniform"),
                Json.optText(node, "norm_layer", "pixel_norm"));
    }

    private static List<VaeBlock> blocks(final JsonNode list, final String source) {
        if (list == null || !list.isArray()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + " VAE config lacks encoder_blocks/decoder_blocks");
        }
        final List<VaeBlock> out = new ArrayList<>();
        for (final JsonNode entry : list) {
            final String type = entry.isArray() ? entry.get(0).asText() : entry.asText();
            final JsonNode params = entry.isArray() && entry.size() > 1 ? entry.get(1) : Json.MAPPER.createObjectNode();
            out.add(new VaeBlock(type, params.isInt() ? params.intValue() : Json.optInt(params, "num_layers", 1),
                    params.isObject() ? Json.optInt(params, "multiplier", defaultMultiplier(type)) : defaultMultiplier(type),
                    params.isObject() && Json.optBoolean(params, "residual", false),
                    params.isObject() && Json.optBoolean(params, "inject_noise", false)));
        }
        return List.copyOf(out);
    }

    /**
     * The original code's default channel multiplier when a block omits it: 2 for the channel-changing blocks
     * ({@code res_x_y}, {@code compress_*_res}, {@code compress_all_x_y}), 1 for the rest (the decoder's
     * {@code compress_all} keeps its width unless told otherwise).
     */
    static int defaultMultiplier(final String type) {
        return type.equals("res_x_y") || type.endsWith("_res") || type.equals("compress_all_x_y") ? 2 : 1;
    }

    /**
     * Translates a diffusers {@code AutoencoderKLLTXVideo} config (0.9.0, 0.9.1 or the 0.9.5 family) into the block
     * lists of the original config of that release.
     */
    public static VaeConfig fromDiffusers(final JsonNode node, final String source) {
        return DiffusersVaeFamily.detect(node, source).translate(node, source);
    }

    /** The 0.9.5 family ({@code LTXVideo095DownBlock3D}). */
    static VaeConfig from095Diffusers(final JsonNode node, final String source) {
        final JsonNode downTypes = node.get("down_block_types");
        final int[] channels = ints(Json.required(node, "block_out_channels", source));
        final int[] layers = ints(Json.required(node, "layers_per_block", source));
        final JsonNode downsample = Json.required(node, "downsample_type", source);
        final List<VaeBlock> encoder = new ArrayList<>();
        for (int i = 0; i < downTypes.size(); i++) {
            encoder.add(new VaeBlock("res_x", layers[i], 1, false, false));
            final String kind = switch (downsample.get(i).asText()) {
                case "spatial" -> "compress_space_res";
                case "temporal" -> "compress_time_res";
                case "spatiotemporal" -> "compress_all_res";
                default -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                        source + ": unknown downsample_type '" + downsample.get(i).asText() + "'");
            };
            encoder.add(new VaeBlock(kind, 1, channels[i + 1] / channels[i], false, false));
        }
        encoder.add(new VaeBlock("res_x", layers[downTypes.size()], 1, false, false));

        final int[] decoderChannels = ints(Json.required(node, "decoder_block_out_channels", source));
        final int[] decoderLayers = ints(Json.required(node, "decoder_layers_per_block", source));
        final int[] factors = ints(Json.required(node, "upsample_factor", source));
        final JsonNode residual = Json.required(node, "upsample_residual", source);
        final JsonNode injectNoise = node.get("decoder_inject_noise");
        final List<VaeBlock> decoder = new ArrayList<>();
        int product = 1;
        for (int i = 0; i < decoderChannels.length; i++) {
            decoder.add(new VaeBlock("res_x", decoderLayers[i], 1, false, injectNoise != null && injectNoise.get(i).asBoolean()));
            decoder.add(new VaeBlock("compress_all", 1, factors[i], residual.get(i).asBoolean(), false));
            product *= factors[i];
        }
        decoder.add(new VaeBlock("res_x", decoderLayers[decoderChannels.length], 1, false,
                injectNoise != null && injectNoise.get(decoderChannels.length).asBoolean()));
        return new VaeConfig(
                Json.optInt(node, "in_channels", 3),
                Json.optInt(node, "out_channels", 3),
                Json.requiredInt(node, "latent_channels", source),
                Json.optInt(node, "patch_size", 4),
                channels[0],
                decoderChannels[decoderChannels.length - 1] / product,
                List.copyOf(encoder),
                List.copyOf(decoder),
                Json.optBoolean(node, "timestep_conditioning", false),
                Json.optBoolean(node, "decoder_causal", false),
                "zeros",
                "uniform",
                "pixel_norm");
    }

    static int[] ints(final JsonNode array) {
        final int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
