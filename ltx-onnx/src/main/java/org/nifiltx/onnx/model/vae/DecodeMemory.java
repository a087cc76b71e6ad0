package org.nifiltx.onnx.model.vae;

import static org.nifiltx.core.memory.VaeDecodeMemory.MIN_TILE_LATENT;
import static org.nifiltx.core.memory.VaeDecodeMemory.MIN_TILE_LATENT_FRAMES;
import static org.nifiltx.core.memory.VaeDecodeMemory.estimatePeakBytes;

import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.checkpoint.VaeConfig;

/**
 * The policy behind {@link DecodeTiling#forBudget}: tiles chosen so that the estimated peak of each tile's decode
 * ({@link org.nifiltx.core.memory.VaeDecodeMemory}, the memory model shared with the request checks) fits a budget.
 */
public final class DecodeMemory {
    private DecodeMemory() {
    }

    /** Default budget: half the machine's physical memory, as every budget of a generation ({@link BackendOptions}). */
    public static long defaultBudgetBytes() {
        return BackendOptions.defaultMemoryBudgetBytes();
    }

    /**
     * The policy, in order: (1) {@link DecodeTiling#NONE} when a whole decode fits; (2) spatial tiles only, the
     * largest square tile of at least {@code MIN_TILE_LATENT} latent pixels that fits; (3) temporal tiles too, the
     * longest temporal tile (then the largest square tile, or none) that fits, with a stride of half the tile
     * (diffusers' 16 / 8); (4) when nothing fits, the smallest tiles, as the best that can be done. {@code int8}
     * counts the int8 convolutions' scratch ({@link org.nifiltx.core.memory.VaeDecodeMemory#int8ScratchBytes}).
     */
    static DecodeTiling choose(final long budgetBytes, final VaeConfig config, final boolean int8,
            final long[] latentShape) {
        final long batch = latentShape[0];
        final long frames = latentShape[2];
        final long height = latentShape[3];
        final long width = latentShape[4];
        if (estimatePeakBytes(config, int8, batch, frames, height, width) <= budgetBytes) {
            return DecodeTiling.NONE;
        }
        final int spatial = config.spatialCompression();
        final int largest = (int) Math.max(height, width);
        for (int tile = largest - 1; tile >= MIN_TILE_LATENT; tile--) {
            if (estimatePeakBytes(config, int8, batch, frames, Math.min(tile, height), Math.min(tile, width))
                    <= budgetBytes) {
                return DecodeTiling.square(tile * spatial, spatial);
            }
        }
        final int temporal = config.temporalCompression();
        for (int chunk = (int) frames - 2; chunk >= MIN_TILE_LATENT_FRAMES; chunk--) {
            // a temporal tile decodes chunk + 1 latent frames
            for (int tile = largest; tile >= MIN_TILE_LATENT; tile--) {
                if (estimatePeakBytes(config, int8, batch, chunk + 1, Math.min(tile, height), Math.min(tile, width))
                        <= budgetBytes) {
                    return withSpace(tile, largest, spatial).withFrames(chunk * temporal,
                            Math.max(1, chunk / 2) * temporal);
                }
            }
        }
        final DecodeTiling smallest = withSpace(MIN_TILE_LATENT, largest, spatial);
        return frames - 2 >= MIN_TILE_LATENT_FRAMES ? smallest.withFrames(MIN_TILE_LATENT_FRAMES * temporal,
                MIN_TILE_LATENT_FRAMES / 2 * temporal) : smallest;
    }

    private static DecodeTiling withSpace(final int tile, final int largest, final int spatial) {
        return tile >= largest ? DecodeTiling.NONE : DecodeTiling.square(tile * spatial, spatial);
    }
}
