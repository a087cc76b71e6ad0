package org.nifiltx.core.backend;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.safetensors.ShardedSafeTensors;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * A latent upsampler ({@code ltxv-spatial-upscaler-*.safetensors}, {@code ltxv-temporal-upscaler-*.safetensors} or a
 * diffusers {@code latent_upsampler} folder; keys are identical in both): spatial ×2 (h, w → 2h, 2w), temporal ×2
 * (F → 2F − 1 latent frames) or both at once.
 */
public record LatentUpsamplerModel(int inChannels, int midChannels, int numBlocksPerStage, boolean spatialUpsample,
        boolean temporalUpsample, WeightStore weights) {

    public static LatentUpsamplerModel open(final Path path) {
        final JsonNode config;
        final TensorBundle bundle;
        if (Files.isDirectory(path)) {
            config = Json.read(path.resolve("config.json"));
            bundle = ShardedSafeTensors.readFolder(path);
        } else {
            bundle = SafeTensors.read(path);
            final String text = bundle.metadata().get("config");
            if (text == null) {
                throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, path + " has no __metadata__ config: not a latent upsampler");
            }
            config = Json.parse(path + " metadata config", text);
        }
        final String source = path.getFileName().toString();
        final int dims = Json.optInt(config, "dims", 3);
        if (dims != 3) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, source + ": latent upsampler dims " + dims + " is not supported");
        }
        final boolean spatial = Json.optBoolean(config, "spatial_upsample", true);
        final boolean temporal = Json.optBoolean(config, "temporal_upsample", false);
        if (!spatial && !temporal) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + ": latent upsampler config has spatial_upsample "
                    + "and temporal_upsample both false; one must be true");
        }
        return new LatentUpsamplerModel(Json.requiredInt(config, "in_channels", source), Json.requiredInt(config, "mid_channels", source),
                Json.requiredInt(config, "num_blocks_per_stage", source), spatial, temporal,
                new WeightStore("latent upsampler", bundle.tensors()));
    }

    /** Latent frames out for {@code frames} in: 2F − 1 when temporal (the first upsampled frame is dropped), else F. */
    public int outputFrames(final int frames) {
        return temporalUpsample ? 2 * frames - 1 : frames;
    }

    /** The factor on latent height and width: 2 when spatial, else 1. */
    public int spatialFactor() {
        return spatialUpsample ? 2 : 1;
    }
}
