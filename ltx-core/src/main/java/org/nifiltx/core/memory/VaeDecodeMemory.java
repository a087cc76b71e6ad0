package org.nifiltx.core.memory;

import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.VaeDecoderPlan;

/**
 * The memory model of one VAE decoder run. Its peak is estimated from its widest activation: the largest channels ×
 * frames × height × width over every stage of the decoder (conv_in, each up block, the patched conv_out output),
 * times 4 bytes, times {@link #PEAK_FACTOR}. The factor covers what is alive at once around the widest convolution:
 * the block input kept for the residual, its normalised copy, the padded copy that feeds Conv, the Conv output, and
 * the video copied out of ONNX Runtime into Java. It was checked against the peak resident set of whole decodes of
 * the tiny fixture model (see {@code VaeDecodePeakMemoryTest} in ltx-onnx). The ONNX decoder's tiling policy picks
 * tiles with it; request checks ask what the smallest tiles still need.
 *
 * <p>Sizes are multiplied with {@link Math#multiplyExact}: a size whose estimate passes {@code Long.MAX_VALUE}
 * throws {@link ArithmeticException} rather than wrapping into a small number.
 */
public final class VaeDecodeMemory {
    /** Peak bytes of a decode ÷ (widest activation × 4 bytes); see the class comment. */
    public static final int PEAK_FACTOR = 6;
    /** Smallest spatial tile the tiling policy picks, in latent pixels (one pixel of blend needs two). */
    public static final int MIN_TILE_LATENT = 2;
    /** Smallest temporal tile the tiling policy picks, in latent frames after the first (diffusers' 16 frames ÷ 8). */
    public static final int MIN_TILE_LATENT_FRAMES = 2;

    private VaeDecodeMemory() {
    }

    /** Estimated peak bytes of one decoder run on latents of {@code batch} × F × h × w. */
    public static long estimatePeakBytes(final VaeConfig config, final long batch, final long frames,
            final long height, final long width) {
        return Math.multiplyExact(Math.multiplyExact(widestActivation(config, frames, height, width), batch),
                (long) Float.BYTES * PEAK_FACTOR);
    }

    /**
     * Estimated peak bytes of a decode cut into the smallest tiles the policy uses: at most
     * {@link #MIN_TILE_LATENT_FRAMES} + 1 latent frames and {@link #MIN_TILE_LATENT} latent pixels square. No tiling
     * needs less, so a decode this does not fit cannot run at all.
     */
    public static long smallestTilePeakBytes(final VaeConfig config, final long batch, final long frames,
            final long height, final long width) {
        final long tileFrames = frames - 2 >= MIN_TILE_LATENT_FRAMES ? MIN_TILE_LATENT_FRAMES + 1 : frames;
        return estimatePeakBytes(config, batch, tileFrames, Math.min(MIN_TILE_LATENT, height), Math.min(MIN_TILE_LATENT, width));
    }

    /** Largest element count of one batch item over the decoder's stages, walked as the decoder builds them. */
    public static long widestActivation(final VaeConfig config, final long latentFrames, final long latentHeight,
            final long latentWidth) {
        final VaeDecoderPlan plan = VaeDecoderPlan.of(config);
        long[] size = {latentFrames, latentHeight, latentWidth};
        long widest = Math.multiplyExact(config.latentChannels(), volume(size));
        widest = Math.max(widest, Math.multiplyExact(plan.convInChannels(), volume(size)));
        for (final VaeDecoderPlan.Stage stage : plan.stages()) {
            if (stage.upsamples()) {
                // the Conv before the shuffle: st·sh·sw·C/m channels at the input size
                widest = Math.max(widest, Math.multiplyExact(stage.convChannels(), volume(size)));
                size = stage.outputSize(size);
            }
            widest = Math.max(widest, Math.multiplyExact(stage.outChannels(), volume(size)));
        }
        final long patched = (long) config.outChannels() * config.patchSize() * config.patchSize();
        return Math.max(widest, Math.multiplyExact(patched, volume(size)));
    }

    private static long volume(final long[] size) {
        return Math.multiplyExact(Math.multiplyExact(size[0], size[1]), size[2]);
    }
}
