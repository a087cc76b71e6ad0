package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Tiling of a VAE decode, as diffusers' {@code enable_tiling} (spatial) and {@code use_framewise_decoding}
 * (temporal). Spatially, latents are decoded in overlapping tiles of {@code min} pixels every {@code stride} pixels,
 * each blended linearly over {@code min − stride} pixels into the tile above and to its left. In time, latents are
 * decoded in chunks of {@code minNumFrames / 8 + 1} latent frames every {@code strideNumFrames / 8} latent frames,
 * each blended linearly over {@code minNumFrames − strideNumFrames} pixel frames into the previous chunk. Bounds
 * memory; changes numerics near the seams. A size of 0 switches that kind of tiling off; {@link #NONE} is neither.
 *
 * @param tileSampleMinHeight       tile height in pixels (0: no spatial tiling)
 * @param tileSampleMinWidth        tile width in pixels (0: no spatial tiling)
 * @param tileSampleStrideHeight    vertical distance between tiles in pixels
 * @param tileSampleStrideWidth     horizontal distance between tiles in pixels
 * @param tileSampleMinNumFrames    pixel frames per temporal tile, excluding its first frame (0: no temporal tiling)
 * @param tileSampleStrideNumFrames pixel frames between the starts of two temporal tiles
 */
public record DecodeTiling(int tileSampleMinHeight, int tileSampleMinWidth, int tileSampleStrideHeight,
        int tileSampleStrideWidth, int tileSampleMinNumFrames, int tileSampleStrideNumFrames) {

    /** An untiled decode: the reference numerics and the whole decode's memory. */
    public static final DecodeTiling NONE = new DecodeTiling(0, 0, 0, 0, 0, 0);

    public DecodeTiling {
        final boolean spatialOff = tileSampleMinHeight == 0 && tileSampleMinWidth == 0 && tileSampleStrideHeight == 0
                && tileSampleStrideWidth == 0;
        if (!spatialOff && (tileSampleStrideHeight <= 0 || tileSampleStrideWidth <= 0
                || tileSampleMinHeight < tileSampleStrideHeight || tileSampleMinWidth < tileSampleStrideWidth)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: tiling " + tileSampleMinHeight + "x"
                    + tileSampleMinWidth + " with stride " + tileSampleStrideHeight + "x" + tileSampleStrideWidth
                    + " is invalid; strides must be positive and no larger than the tile size");
        }
        final boolean temporalOff = tileSampleMinNumFrames == 0 && tileSampleStrideNumFrames == 0;
        if (!temporalOff && (tileSampleStrideNumFrames <= 0 || tileSampleMinNumFrames < tileSampleStrideNumFrames)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: temporal tiling of "
                    + tileSampleMinNumFrames + " frames with stride " + tileSampleStrideNumFrames
                    + " is invalid; the stride must be positive and no larger than the tile");
        }
    }

    /** Spatial tiling only. */
    public DecodeTiling(final int tileSampleMinHeight, final int tileSampleMinWidth, final int tileSampleStrideHeight,
            final int tileSampleStrideWidth) {
        this(tileSampleMinHeight, tileSampleMinWidth, tileSampleStrideHeight, tileSampleStrideWidth, 0, 0);
    }

    /** diffusers' spatial defaults: 512-pixel tiles every 448 pixels (64-pixel blend); no temporal tiling. */
    public static DecodeTiling diffusersDefaults() {
        return new DecodeTiling(512, 512, 448, 448);
    }

    /**
     * Square spatial tiles of {@code pixels} whose blend is one eighth of the tile (diffusers' 64 of 512), rounded
     * down to whole latent pixels but at least one latent pixel when the tile spans more than one.
     */
    public static DecodeTiling square(final int pixels, final int spatialCompression) {
        if (pixels < spatialCompression || pixels % spatialCompression != 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: tile size " + pixels
                    + " must be a positive multiple of " + spatialCompression + " pixels");
        }
        final int latent = pixels / spatialCompression;
        final int blend = latent == 1 ? 0 : Math.max(1, latent / 8);
        final int stride = (latent - blend) * spatialCompression;
        return new DecodeTiling(pixels, pixels, stride, stride);
    }

    /**
     * The automatic policy: {@link #NONE} when the estimated peak of a whole decode of latents
     * {@code [B, C, F, h, w]} fits {@code budgetBytes}; otherwise the largest tiles whose estimated peak fits, see
     * {@link DecodeMemory#choose}.
     */
    public static DecodeTiling forBudget(final long budgetBytes, final VaeConfig config, final long[] latentShape) {
        return forBudget(budgetBytes, config, false, latentShape);
    }

    /** As {@link #forBudget(long, VaeConfig, long[])} for a decoder whose bulk convolutions are int8 when {@code int8}. */
    public static DecodeTiling forBudget(final long budgetBytes, final VaeConfig config, final boolean int8,
            final long[] latentShape) {
        return DecodeMemory.choose(budgetBytes, config, int8, latentShape);
    }

    /** Same tiles, plus temporal tiles of {@code minNumFrames} pixel frames every {@code strideNumFrames}. */
    public DecodeTiling withFrames(final int minNumFrames, final int strideNumFrames) {
        return new DecodeTiling(tileSampleMinHeight, tileSampleMinWidth, tileSampleStrideHeight, tileSampleStrideWidth,
                minNumFrames, strideNumFrames);
    }

    /** Whether the decode is cut in space. */
    public boolean spatial() {
        return tileSampleMinHeight > 0;
    }

    /** Whether the decode is cut in time. */
    public boolean temporal() {
        return tileSampleMinNumFrames > 0;
    }

    /** Checks that every size is a whole number of latent pixels and latent frames. */
    void requireMultipleOf(final int spatialCompression, final int temporalCompression) {
        final int[] sizes = {tileSampleMinHeight, tileSampleMinWidth, tileSampleStrideHeight, tileSampleStrideWidth};
        for (final int size : sizes) {
            if (size % spatialCompression != 0) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: tile size or stride " + size
                        + " must be a multiple of " + spatialCompression + " pixels");
            }
        }
        for (final int frames : new int[] {tileSampleMinNumFrames, tileSampleStrideNumFrames}) {
            if (frames % temporalCompression != 0) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: temporal tile size or stride "
                        + frames + " must be a multiple of " + temporalCompression + " frames");
            }
        }
    }
}
