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
 * The spatial latent upsampler ({@code ltxv-spatial-upscaler-*.safetensors} or a diffusers {@code latent_upsampler}
 * folder; keys are identical in both).
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
        return new LatentUpsamplerModel(Json.requiredInt(config, "in_channels", source), Json.requiredInt(config, "mid_channels", source),
                Json.requiredInt(config, "num_blocks_per_stage", source), Json.optBoolean(config, "spatial_upsample", true),
                Json.optBoolean(config, "temporal_upsample", false), new WeightStore("latent upsampler", bundle.tensors()));
    }
}
