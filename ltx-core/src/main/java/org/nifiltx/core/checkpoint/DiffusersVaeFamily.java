package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The VAE generations a diffusers {@code AutoencoderKLLTXVideo} folder can hold. They differ in module layout, so each
 * picks its own config translation and block-index rename table. Told apart the way diffusers' own code does: the
 * down block class (absent means diffusers' default, {@code LTXVideoDownBlock3D}), then timestep conditioning,
 * which only the 0.9.1 decoder of the older layout has (the converter's test for {@code last_time_embedder}).
 */
enum DiffusersVaeFamily {
    /** 0.9.0: strided-conv encoder, non-residual decoder with channel-changing {@code conv_in} res blocks. */
    LTX_0_9_0,
    /** 0.9.1: the 0.9.0 encoder; timestep-conditioned decoder with noise injection and residual upsamplers. */
    LTX_0_9_1,
    /** 0.9.5, 0.9.7 and 0.9.8: space-to-depth encoder ({@code LTXVideo095DownBlock3D}). */
    LTX_0_9_5;

    static final String LEGACY_DOWN_BLOCK = "LTXVideoDownBlock3D";
    static final String DOWN_BLOCK_095 = "LTXVideo095DownBlock3D";

    static DiffusersVaeFamily detect(final JsonNode node, final String source) {
        final JsonNode downTypes = node.get("down_block_types");
        if (downTypes == null) {
            // diffusers' constructor default, as in the 0.9.0 folders written before the key existed
            return Json.optBoolean(node, "timestep_conditioning", false) ? LTX_0_9_1 : LTX_0_9_0;
        }
        final List<String> types = new ArrayList<>();
        downTypes.forEach(type -> types.add(type.asText()));
        if (!types.isEmpty() && types.stream().allMatch(DOWN_BLOCK_095::equals)) {
            return LTX_0_9_5;
        }
        if (!types.isEmpty() && types.stream().allMatch(LEGACY_DOWN_BLOCK::equals)) {
            return Json.optBoolean(node, "timestep_conditioning", false) ? LTX_0_9_1 : LTX_0_9_0;
        }
        throw new LtxException(LtxErrorCode.UNSUPPORTED, source + ": down_block_types " + types
                + " is not a known LTX-Video VAE; every entry must be " + LEGACY_DOWN_BLOCK + " (0.9.0, 0.9.1) or "
                + DOWN_BLOCK_095 + " (0.9.5 and later)");
    }

    /** The original config this family's diffusers config stands for. */
    VaeConfig translate(final JsonNode node, final String source) {
        return this == LTX_0_9_5 ? VaeConfig.from095Diffusers(node, source) : LegacyDiffusersVaeConfig.translate(node, source);
    }

    /** Diffusers block prefixes → original block indices for a VAE of this family with the given block lists. */
    List<KeyRenames.Rename> blockPrefixes(final VaeConfig config) {
        return this == LTX_0_9_5
                ? KeyRenames.vae095BlockPrefixes(config.encoderBlocks().size(), config.decoderBlocks().size())
                : KeyRenames.vaeLegacyBlockPrefixes(config.encoderBlocks(), config.decoderBlocks());
    }
}
