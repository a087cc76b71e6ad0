package org.nifiltx.core.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nifiltx.core.tensor.Tensor;

/**
 * diffusers' {@code convert_ltx_vae_checkpoint_to_diffusers} ({@code src/diffusers/loaders/single_file_utils.py}),
 * re-stated as its rename dicts and applied the same way, independently of nifi-ltx's reverse tables: keep keys
 * containing {@code vae.}, apply every entry of the ordered dict as a plain substring replace, then drop the unused
 * statistics. Version detection as the converter: a 2048-wide encoder {@code conv_out} is the 0.9.5 family (not
 * needed here), a {@code last_time_embedder} is 0.9.1 (its dict is merged with Python {@code dict.update}
 * semantics: known keys keep their position, new ones go last), anything else 0.9.0.
 */
public final class DiffusersVaeConverter {
    private static final String[][] BASE = {
        {"vae.", ""},
        {"up_blocks.0", "mid_block"},
        {"up_blocks.1", "up_blocks.0"},
        {"up_blocks.2", "up_blocks.1.upsamplers.0"},
        {"up_blocks.3", "up_blocks.1"},
        {"up_blocks.4", "up_blocks.2.conv_in"},
        {"up_blocks.5", "up_blocks.2.upsamplers.0"},
        {"up_blocks.6", "up_blocks.2"},
        {"up_blocks.7", "up_blocks.3.conv_in"},
        {"up_blocks.8", "up_blocks.3.upsamplers.0"},
        {"up_blocks.9", "up_blocks.3"},
        {"down_blocks.0", "down_blocks.0"},
        {"down_blocks.1", "down_blocks.0.downsamplers.0"},
        {"down_blocks.2", "down_blocks.0.conv_out"},
        {"down_blocks.3", "down_blocks.1"},
        {"down_blocks.4", "down_blocks.1.downsamplers.0"},
        {"down_blocks.5", "down_blocks.1.conv_out"},
        {"down_blocks.6", "down_blocks.2"},
        {"down_blocks.7", "down_blocks.2.downsamplers.0"},
        {"down_blocks.8", "down_blocks.3"},
        {"down_blocks.9", "mid_block"},
        {"conv_shortcut", "conv_shortcut.conv"},
        {"res_blocks", "resnets"},
        {"norm3.norm", "norm3"},
        {"per_channel_statistics.mean-of-means", "latents_mean"},
        {"per_channel_statistics.std-of-means", "latents_std"},
    };

    private static final String[][] V0_9_1 = {
        {"up_blocks.0", "mid_block"},
        {"up_blocks.1", "up_blocks.0.upsamplers.0"},
        {"up_blocks.2", "up_blocks.0"},
        {"up_blocks.3", "up_blocks.1.upsamplers.0"},
        {"up_blocks.4", "up_blocks.1"},
        {"up_blocks.5", "up_blocks.2.upsamplers.0"},
        {"up_blocks.6", "up_blocks.2"},
        {"up_blocks.7", "up_blocks.3.upsamplers.0"},
        {"up_blocks.8", "up_blocks.3"},
        {"last_time_embedder", "time_embedder"},
        {"last_scale_shift_table", "scale_shift_table"},
    };

    private static final List<String> REMOVED = List.of("per_channel_statistics.channel",
            "per_channel_statistics.mean-of-means", "per_channel_statistics.mean-of-stds");

    private DiffusersVaeConverter() {
    }

    /** The diffusers VAE state dict for an original checkpoint's tensors (all prefixes present). */
    public static Map<String, Tensor> convert(final Map<String, Tensor> checkpoint) {
        final Map<String, String> renames = new LinkedHashMap<>();
        for (final String[] entry : BASE) {
            renames.put(entry[0], entry[1]);
        }
        if (checkpoint.containsKey("vae.decoder.last_time_embedder.timestep_embedder.linear_1.weight")) {
            for (final String[] entry : V0_9_1) {
                renames.put(entry[0], entry[1]);
            }
        }
        final Map<String, Tensor> out = new LinkedHashMap<>();
        for (final Map.Entry<String, Tensor> e : checkpoint.entrySet()) {
            if (!e.getKey().contains("vae.")) {
                continue;
            }
            String key = e.getKey();
            for (final Map.Entry<String, String> rename : renames.entrySet()) {
                key = key.replace(rename.getKey(), rename.getValue());
            }
            final String converted = key;
            if (REMOVED.stream().noneMatch(converted::contains)) {
                out.put(converted, e.getValue());
            }
        }
        return out;
    }
}
