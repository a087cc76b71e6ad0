package org.nifiltx.core.checkpoint;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The Lightricks-original ↔ diffusers key renames, kept as data. Canonical names inside nifi-ltx are the original
 * ones; a diffusers folder is read by applying these tables in reverse. Sources: diffusers
 * {@code convert_ltx_transformer_checkpoint_to_diffusers} / {@code convert_ltx_vae_checkpoint_to_diffusers}.
 */
public final class KeyRenames {
    /** One rename: {@code original} in Lightricks keys is {@code diffusers} in diffusers keys. */
    public record Rename(String original, String diffusers) {
    }

    /** Transformer: plain substring renames, no reshaping. */
    public static final List<Rename> TRANSFORMER = List.of(
            new Rename("patchify_proj", "proj_in"),
            new Rename("adaln_single", "time_embed"),
            new Rename("q_norm", "norm_q"),
            new Rename("k_norm", "norm_k"));

    /** VAE renames inside a key (after the block-index prefixes). */
    public static final List<Rename> VAE_SUBSTRINGS = List.of(
            new Rename("conv_shortcut.", "conv_shortcut.conv."),
            new Rename(".res_blocks.", ".resnets."),
            new Rename(".norm3.norm.", ".norm3."));

    /** VAE renames of a key's start (top-level tensors of the 0.9.1+ decoder and the latent statistics). */
    public static final List<Rename> VAE_TOP_LEVEL = List.of(
            new Rename("per_channel_statistics.mean-of-means", "latents_mean"),
            new Rename("per_channel_statistics.std-of-means", "latents_std"),
            new Rename("decoder.last_time_embedder.", "decoder.time_embedder."),
            new Rename("decoder.last_scale_shift_table", "decoder.scale_shift_table"));

    private KeyRenames() {
    }

    /**
     * Block-index prefixes of the 0.9.5-family VAE (0.9.5/0.9.7/0.9.8): the original encoder alternates res_x and
     * downsampling blocks and ends with a res_x (diffusers' mid block); the original decoder list starts with the
     * mid block, then alternates an upsampler and a res_x group.
     */
    public static List<Rename> vae095BlockPrefixes(final int encoderBlocks, final int decoderBlocks) {
        final List<Rename> out = new ArrayList<>();
        for (int i = 0; i < encoderBlocks - 1; i++) {
            final String diffusers = i % 2 == 0 ? "encoder.down_blocks." + i / 2 + "."
                    : "encoder.down_blocks." + i / 2 + ".downsamplers.0.";
            out.add(new Rename("encoder.down_blocks." + i + ".", diffusers));
        }
        out.add(new Rename("encoder.down_blocks." + (encoderBlocks - 1) + ".", "encoder.mid_block."));
        out.add(new Rename("decoder.up_blocks.0.", "decoder.mid_block."));
        for (int i = 1; i < decoderBlocks; i++) {
            final int group = (i - 1) / 2;
            final String diffusers = i % 2 == 1 ? "decoder.up_blocks." + group + ".upsamplers.0."
                    : "decoder.up_blocks." + group + ".";
            out.add(new Rename("decoder.up_blocks." + i + ".", diffusers));
        }
        return out;
    }

    /**
     * Block-index prefixes of the 0.9.0/0.9.1 VAE ({@code LTXVideoDownBlock3D} layout), derived from the original
     * block lists the way diffusers groups those modules. Encoder: each {@code res_x} opens a down block, the
     * following {@code compress_all} is its {@code downsamplers.0} and a {@code res_x_y} its {@code conv_out}; the last
     * {@code res_x} is the mid block. Decoder (built from the end of the original list): the first {@code res_x} is the
     * mid block, then each up block collects a {@code res_x_y} ({@code conv_in}), a {@code compress_all}
     * ({@code upsamplers.0}) and ends with its {@code res_x}. For the released block lists this gives the 0.9.0 and
     * 0.9.1 columns of diffusers' {@code convert_ltx_vae_checkpoint_to_diffusers} tables.
     */
    public static List<Rename> vaeLegacyBlockPrefixes(final List<VaeBlock> encoderBlocks, final List<VaeBlock> decoderBlocks) {
        final List<Rename> out = new ArrayList<>();
        int group = -1;
        for (int i = 0; i < encoderBlocks.size() - 1; i++) {
            final String type = encoderBlocks.get(i).type();
            group += type.equals("res_x") ? 1 : 0;
            if (group < 0) {
                throw unplaced("encoder", type);
            }
            final String block = "encoder.down_blocks." + group + ".";
            out.add(new Rename("encoder.down_blocks." + i + ".", switch (type) {
                case "res_x" -> block;
                case "compress_all" -> block + "downsamplers.0.";
                case "res_x_y" -> block + "conv_out.";
                default -> throw unplaced("encoder", type);
            }));
        }
        out.add(new Rename("encoder.down_blocks." + (encoderBlocks.size() - 1) + ".", "encoder.mid_block."));
        final int count = decoderBlocks.size();
        out.add(new Rename("decoder.up_blocks.0.", "decoder.mid_block."));
        group = 0;
        for (int i = 1; i < count; i++) {
            final String type = decoderBlocks.get(count - 1 - i).type();
            final String block = "decoder.up_blocks." + group + ".";
            out.add(new Rename("decoder.up_blocks." + i + ".", switch (type) {
                case "res_x" -> block;
                case "compress_all" -> block + "upsamplers.0.";
                case "res_x_y" -> block + "conv_in.";
                default -> throw unplaced("decoder", type);
            }));
            group += type.equals("res_x") ? 1 : 0;
        }
        return out;
    }

    private static LtxException unplaced(final String part, final String type) {
        return new LtxException(LtxErrorCode.UNSUPPORTED, "a diffusers 0.9.0/0.9.1 VAE " + part + " has no module for the "
                + "original block type '" + type + "' (expected res_x, res_x_y or compress_all)");
    }

    /** Maps a diffusers transformer key to its original name. */
    public static String transformerToOriginal(final String diffusersKey) {
        String key = diffusersKey;
        for (final Rename r : TRANSFORMER) {
            key = key.replace(r.diffusers(), r.original());
        }
        return key;
    }

    /** Maps a diffusers VAE key to its original name; prefixes are matched longest first. */
    public static String vaeToOriginal(final String diffusersKey, final List<Rename> blockPrefixes) {
        String key = diffusersKey;
        final List<Rename> prefixes = new ArrayList<>(VAE_TOP_LEVEL);
        prefixes.addAll(blockPrefixes);
        prefixes.sort(Comparator.comparingInt((Rename r) -> r.diffusers().length()).reversed());
        for (final Rename r : prefixes) {
            if (key.startsWith(r.diffusers())) {
                key = r.original() + key.substring(r.diffusers().length());
                break;
            }
        }
        for (final Rename r : VAE_SUBSTRINGS) {
            key = key.replace(r.diffusers(), r.original());
        }
        return key;
    }
}
