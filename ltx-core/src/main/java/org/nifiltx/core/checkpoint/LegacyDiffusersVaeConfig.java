package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Translates a diffusers {@code AutoencoderKLLTXVideo} config of the 0.9.0/0.9.1 layout ({@code LTXVideoDownBlock3D})
 * into the original block lists, by walking the modules diffusers' {@code LTXVideoEncoder3d} and
 * {@code LTXVideoDecoder3d} constructors build and naming each one as the original {@code Encoder}/{@code Decoder}
 * would. A key the folder omits takes diffusers' constructor default, as diffusers itself does when it loads the
 * 0.9.0 folders written before those keys existed.
 */
final class LegacyDiffusersVaeConfig {
    /** diffusers {@code AutoencoderKLLTXVideo.__init__} defaults (they are the 0.9.0 values). */
    private static final int[] DEFAULT_CHANNELS = {128, 256, 512, 512};
    private static final int[] DEFAULT_LAYERS = {4, 3, 3, 3, 4};
    private static final boolean[] DEFAULT_SCALING = {true, true, true, false};

    private LegacyDiffusersVaeConfig() {
    }

    static VaeConfig translate(final JsonNode node, final String source) {
        final int[] channels = ints(node, "block_out_channels", DEFAULT_CHANNELS);
        final Decoded decoder = decoder(node, source);
        return new VaeConfig(
                Json.optInt(node, "in_channels", 3),
                Json.optInt(node, "out_channels", 3),
                Json.optInt(node, "latent_channels", 128),
                Json.optInt(node, "patch_size", 4),
                channels[0],
                decoder.baseChannels(),
                encoder(node, channels, source),
                decoder.blocks(),
                Json.optBoolean(node, "timestep_conditioning", false),
                Json.optBoolean(node, "decoder_causal", false),
                "zeros",
                "uniform",
                "pixel_norm");
    }

    /**
     * {@code LTXVideoDownBlock3D} i holds resnets at its input width, an optional stride-2 conv
     * ({@code downsamplers.0}) and, when the width changes, a res block to the next width ({@code conv_out}): in
     * the original list {@code res_x}, {@code compress_all}, {@code res_x_y}. The mid block is the last {@code res_x}.
     */
    private static List<VaeBlock> encoder(final JsonNode node, final int[] channels, final String source) {
        final int[] layers = ints(node, "layers_per_block", DEFAULT_LAYERS);
        final boolean[] scaling = booleans(node, "spatio_temporal_scaling", DEFAULT_SCALING);
        requireLength(source, "layers_per_block", layers.length, channels.length + 1);
        requireLength(source, "spatio_temporal_scaling", scaling.length, channels.length);
        final List<VaeBlock> blocks = new ArrayList<>();
        int width = channels[0];
        for (int i = 0; i < channels.length; i++) {
            final int next = i + 1 < channels.length ? channels[i + 1] : channels[i];
            blocks.add(resX(layers[i], false));
            if (scaling[i]) {
                blocks.add(new VaeBlock("compress_all", 1, 1, false, false));
            }
            if (next != width) {
                blocks.add(new VaeBlock("res_x_y", 1, ratio(next, width, source, "block_out_channels"), false, false));
            }
            width = next;
        }
        blocks.add(resX(layers[channels.length], false));
        return List.copyOf(blocks);
    }

    private record Decoded(List<VaeBlock> blocks, int baseChannels) {
    }

    /**
     * {@code LTXVideoDecoder3d} reverses its lists, builds the mid block, then per up block an optional
     * channel-changing res block ({@code conv_in}), an optional depth-to-space upsampler and the resnets. The original
     * list runs the other way (output side first), so the modules are collected in build order and reversed.
     */
    private static Decoded decoder(final JsonNode node, final String source) {
        final int[] channels = reversed(ints(node, "decoder_block_out_channels", DEFAULT_CHANNELS));
        final int[] layers = reversed(ints(node, "decoder_layers_per_block", DEFAULT_LAYERS));
        final boolean[] scaling = reversed(booleans(node, "decoder_spatio_temporal_scaling", DEFAULT_SCALING));
        final boolean[] noise = reversed(booleans(node, "decoder_inject_noise", new boolean[channels.length + 1]));
        final boolean[] residual = reversed(booleans(node, "upsample_residual", new boolean[channels.length]));
        final int[] factors = reversed(ints(node, "upsample_factor", filled(channels.length, 1)));
        requireLength(source, "decoder_layers_per_block", layers.length, channels.length + 1);
        requireLength(source, "decoder_inject_noise", noise.length, channels.length + 1);
        requireLength(source, "decoder_spatio_temporal_scaling", scaling.length, channels.length);
        requireLength(source, "upsample_residual", residual.length, channels.length);
        requireLength(source, "upsample_factor", factors.length, channels.length);
        final List<VaeBlock> built = new ArrayList<>();
        built.add(resX(layers[0], noise[0]));
        int width = channels[0];
        for (int i = 0; i < channels.length; i++) {
            final int in = width / factors[i];
            final int out = channels[i] / factors[i];
            if (in != out) {
                if (factors[i] != 1) {
                    throw new LtxException(LtxErrorCode.UNSUPPORTED, source + ": up block " + i + " changes width "
                            + in + "→" + out + " and has upsample_factor " + factors[i] + "; the original decoder has no such block");
                }
                built.add(new VaeBlock("res_x_y", 1, ratio(in, out, source, "decoder_block_out_channels"), false, noise[i + 1]));
            }
            if (scaling[i]) {
                built.add(new VaeBlock("compress_all", 1, factors[i], residual[i], false));
            }
            built.add(resX(layers[i + 1], noise[i + 1]));
            width = out;
        }
        return new Decoded(List.copyOf(built.reversed()), width);
    }

    private static VaeBlock resX(final int layers, final boolean injectNoise) {
        return new VaeBlock("res_x", layers, 1, false, injectNoise);
    }

    /** The original res_x_y multiplies or divides the width by an integer; anything else has no original form. */
    private static int ratio(final int wide, final int narrow, final String source, final String key) {
        if (narrow <= 0 || wide % narrow != 0) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, source + ": " + key + " steps " + narrow + "↔" + wide
                    + " are not an integer channel multiplier");
        }
        return wide / narrow;
    }

    private static void requireLength(final String source, final String key, final int found, final int expected) {
        if (found != expected) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + ": " + key + " has " + found
                    + " entries; the channel list implies " + expected);
        }
    }

    private static int[] ints(final JsonNode node, final String key, final int[] fallback) {
        return node.has(key) ? VaeConfig.ints(node.get(key)) : fallback.clone();
    }

    private static boolean[] booleans(final JsonNode node, final String key, final boolean[] fallback) {
        if (!node.has(key)) {
            return fallback.clone();
        }
        final boolean[] out = new boolean[node.get(key).size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(key).get(i).asBoolean();
        }
        return out;
    }

    private static int[] filled(final int length, final int value) {
        final int[] out = new int[length];
        Arrays.fill(out, value);
        return out;
    }

    private static int[] reversed(final int[] values) {
        final int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[values.length - 1 - i];
        }
        return out;
    }

    private static boolean[] reversed(final boolean[] values) {
        final boolean[] out = new boolean[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[values.length - 1 - i];
        }
        return out;
    }
}
