package org.nifiltx.core.memory;

import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.checkpoint.VaeDecoderPlan;

/**
 * The memory model of one VAE decoder run. Its peak is estimated from its widest activation: the largest channels ×
 * frames × height × width over every stage of the decoder (conv_in, each up block, the patched conv_out output),
 * times 4 bytes, times {@link #PEAK_FACTOR}. The factor covers what is alive at once around the widest convolution:
 * the block input kept for the residual, its normalised copy, the padded copy that feeds Conv, the Conv output, and
 * the video copied out of ONNX Runtime into Java. It was checked against the peak resident set of whole decodes of
 * the tiny fixture model (see {@code VaeDecodePeakMemoryTest} in ltx-onnx), and at real width (the 0.9.5 VAE, 128 to
 * 1024 channels: 5.5 × the widest activation, fp32). The ONNX decoder's tiling policy picks tiles with it; request
 * checks ask what the smallest tiles still need.
 *
 * <p>An int8 decode adds the scratch of its convolutions, which run as 2-d QLinearConvs over frames (the kt time taps
 * stacked as channels, see {@code Conv} in ltx-onnx): per output voxel the quantized input (C_in bytes), its kt
 * shifted slices and their concatenation (2·kt·C_in, alive together while they are stacked) and the uint8 output in
 * ONNX Runtime's NHWC layout and back (2·C_out) ({@link #int8ScratchBytes}): 7·C_in + 2·C_out for the decoder's 3×3×3
 * kernels. Measured on the bench model's 0.9.5 VAE (int8, 2 threads, one decode per fresh JVM, growth of the peak
 * resident set over the decode, {@code DecodePeakMemoryProbe}): latents 2/3/5 × 8 × 8 grew 91/208/453 MiB against
 * 160/292/556 MiB estimated (fp32 estimate 120/216/408 MiB; fp32 3 × 8 × 8 grew 198 MiB). The 3-d QLinearConv used
 * before built the whole im2col matrix (27·C_in bytes per voxel) and grew 219/471/901 MiB.
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

    /** Time taps of the decoder's convolutions (3×3×3). */
    private static final long KERNEL_FRAMES = 3;

    /** Estimated peak bytes of one float32 decoder run on latents of {@code batch} × F × h × w. */
    public static long estimatePeakBytes(final VaeConfig config, final long batch, final long frames,
            final long height, final long width) {
        return estimatePeakBytes(config, false, batch, frames, height, width);
    }

    /**
     * Estimated peak bytes of one decoder run on latents of {@code batch} × F × h × w; {@code int8} adds the largest
     * int8 convolution's scratch (every bulk convolution is counted as int8: one left float32 needs less).
     */
    public static long estimatePeakBytes(final VaeConfig config, final boolean int8, final long batch,
            final long frames, final long height, final long width) {
        long perItem = Math.multiplyExact(widestActivation(config, frames, height, width), (long) Float.BYTES * PEAK_FACTOR);
        if (int8) {
            perItem = Math.addExact(perItem, int8ScratchBytes(config, frames, height, width));
        }
        return Math.multiplyExact(perItem, batch);
    }

    /**
     * The largest scratch of one int8 convolution of the decoder (see the class comment), walked as the decoder builds
     * them: each up block's 3×3×3 convolutions at its size (a resnet's C_in → C_out and C_out → C_out, an upsampler's
     * C → st·sh·sw·C/m before the shuffle, at its input size).
     */
    public static long int8ScratchBytes(final VaeConfig config, final long latentFrames, final long latentHeight,
            final long latentWidth) {
        final VaeDecoderPlan plan = VaeDecoderPlan.of(config);
        long[] size = {latentFrames, latentHeight, latentWidth};
        long largest = 0;
        for (final VaeDecoderPlan.Stage stage : plan.stages()) {
            if (stage.upsamples()) {
                largest = Math.max(largest, convScratch(stage.inChannels(), stage.convChannels(), volume(size)));
                size = stage.outputSize(size);
            } else {
                largest = Math.max(largest, convScratch(stage.inChannels(), stage.outChannels(), volume(size)));
                largest = Math.max(largest, convScratch(stage.outChannels(), stage.outChannels(), volume(size)));
            }
        }
        return largest;
    }

    private static long convScratch(final long in, final long out, final long voxels) {
        final long perVoxel = (2 * KERNEL_FRAMES + 1) * in + 2 * out;
        return Math.multiplyExact(perVoxel, voxels);
    }

    /**
     * Estimated peak bytes of a decode cut into the smallest tiles the policy uses: at most
     * {@link #MIN_TILE_LATENT_FRAMES} + 1 latent frames and {@link #MIN_TILE_LATENT} latent pixels square. No tiling
     * needs less, so a decode this does not fit cannot run at all.
     */
    public static long smallestTilePeakBytes(final VaeConfig config, final long batch, final long frames,
            final long height, final long width) {
        return smallestTilePeakBytes(config, false, batch, frames, height, width);
    }

    /** As {@link #smallestTilePeakBytes(VaeConfig, long, long, long, long)}, with int8 scratch when {@code int8}. */
    public static long smallestTilePeakBytes(final VaeConfig config, final boolean int8, final long batch,
            final long frames, final long height, final long width) {
        final long tileFrames = frames - 2 >= MIN_TILE_LATENT_FRAMES ? MIN_TILE_LATENT_FRAMES + 1 : frames;
        return estimatePeakBytes(config, int8, batch, tileFrames, Math.min(MIN_TILE_LATENT, height),
                Math.min(MIN_TILE_LATENT, width));
    }

    /** Bytes of a decode's whole-video buffers: the float32 video [B, C, F_px, H, W] and its uint8 frames. */
    public static long videoBytes(final VaeConfig config, final long batch, final long frames, final long height,
            final long width) {
        final long pixels = Math.multiplyExact(Math.multiplyExact(batch, (frames - 1) * config.temporalCompression() + 1),
                Math.multiplyExact(height * config.spatialCompression(), width * config.spatialCompression()));
        return Math.multiplyExact(pixels, (long) config.outChannels() * (Float.BYTES + 1));
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
