package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.checkpoint.VaeConfig;

/**
 * The memory model behind {@link DecodeTiling#forBudget}. The peak of one decoder run is estimated from its widest
 * activation: the largest channels × frames × height × width over every stage of the decoder (conv_in, each up block,
 * the patched conv_out output), times 4 bytes, times {@link #PEAK_FACTOR}. The factor covers what is alive at once
 * around the widest convolution: the block input kept for the residual, its normalised copy, the padded copy that
 * feeds Conv, the Conv output, and the video copied out of ONNX Runtime into Java. It was checked against the peak
 * resident set of whole decodes of the tiny fixture model (see {@code VaeDecodePeakMemoryTest}).
 */
public final class DecodeMemory {
    /** Peak bytes of a decode ÷ (widest activation × 4 bytes); see the class comment. */
    public static final int PEAK_FACTOR = 6;
    /** Share of physical memory a decode may use when no budget is given. */
    public static final double DEFAULT_BUDGET_SHARE = BackendOptions.DEFAULT_BUDGET_SHARE;
    /** Smallest spatial tile the policy picks, in latent pixels (one pixel of blend needs two). */
    static final int MIN_TILE_LATENT = 2;
    /** Smallest temporal tile the policy picks, in latent frames after the first (diffusers' 16 frames ÷ 8). */
    static final int MIN_TILE_LATENT_FRAMES = 2;

    private DecodeMemory() {
    }

    /** Default budget: half the machine's physical memory, as every budget of a generation ({@link BackendOptions}). */
    public static long defaultBudgetBytes() {
        return BackendOptions.defaultMemoryBudgetBytes();
    }

    /** Estimated peak bytes of one decoder run on latents of {@code batch} × F × h × w. */
    public static long estimatePeakBytes(final VaeConfig config, final long batch, final long frames,
            final long height, final long width) {
        return widestActivation(config, frames, height, width) * batch * Float.BYTES * PEAK_FACTOR;
    }

    /** Largest element count of one batch item over the decoder's stages, walked as {@link Decoder} builds them. */
    static long widestActivation(final VaeConfig config, final long latentFrames, final long latentHeight,
            final long latentWidth) {
        final DecoderPlan plan = DecoderPlan.of(config);
        long[] size = {latentFrames, latentHeight, latentWidth};
        long widest = config.latentChannels() * volume(size);
        widest = Math.max(widest, plan.convInChannels() * volume(size));
        for (final DecoderPlan.Stage stage : plan.stages()) {
            if (stage.upsamples()) {
                // the Conv before the shuffle: st·sh·sw·C/m channels at the input size
                widest = Math.max(widest, stage.convChannels() * volume(size));
                size = stage.outputSize(size);
            }
            widest = Math.max(widest, stage.outChannels() * volume(size));
        }
        final long patched = (long) config.outChannels() * config.patchSize() * config.patchSize();
        return Math.max(widest, patched * volume(size));
    }

    private static long volume(final long[] size) {
        return size[0] * size[1] * size[2];
    }

    /**
     * The policy, in order: (1) {@link DecodeTiling#NONE} when a whole decode fits; (2) spatial tiles only, the
     * largest square tile of at least {@link #MIN_TILE_LATENT} latent pixels that fits; (3) temporal tiles too, the
     * longest temporal tile (then the largest square tile, or none) that fits, with a stride of half the tile
     * (diffusers' 16 / 8); (4) when nothing fits, the smallest tiles, as the best that can be done.
     */
    static DecodeTiling choose(final long budgetBytes, final VaeConfig config, final long[] latentShape) {
        final long batch = latentShape[0];
        final long frames = latentShape[2];
        final long height = latentShape[3];
        final long width = latentShape[4];
        if (estimatePeakBytes(config, batch, frames, height, width) <= budgetBytes) {
            return DecodeTiling.NONE;
        }
        final int spatial = config.spatialCompression();
        final int largest = (int) Math.max(height, width);
        for (int tile = largest - 1; tile >= MIN_TILE_LATENT; tile--) {
            if (estimatePeakBytes(config, batch, frames, Math.min(tile, height), Math.min(tile, width))
                    <= budgetBytes) {
                return DecodeTiling.square(tile * spatial, spatial);
            }
        }
        final int temporal = config.temporalCompression();
        for (int chunk = (int) frames - 2; chunk >= MIN_TILE_LATENT_FRAMES; chunk--) {
            // a temporal tile decodes chunk + 1 latent frames
            for (int tile = largest; tile >= MIN_TILE_LATENT; tile--) {
                if (estimatePeakBytes(config, batch, chunk + 1, Math.min(tile, height), Math.min(tile, width))
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
