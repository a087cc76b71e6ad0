package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Spatial tiling of a VAE decode in pixels, as diffusers' {@code enable_tiling}: latents are decoded in overlapping
 * tiles of {@code min} pixels every {@code stride} pixels, and each tile is linearly blended over {@code min − stride}
 * pixels into the tile above and to its left. Bounds memory; changes numerics near the seams.
 *
 * @param tileSampleMinHeight    tile height in pixels
 * @param tileSampleMinWidth     tile width in pixels
 * @param tileSampleStrideHeight vertical distance between tiles in pixels
 * @param tileSampleStrideWidth  horizontal distance between tiles in pixels
 */
public record DecodeTiling(int tileSampleMinHeight, int tileSampleMinWidth, int tileSampleStrideHeight,
        int tileSampleStrideWidth) {

    public DecodeTiling {
        if (tileSampleStrideHeight <= 0 || tileSampleStrideWidth <= 0 || tileSampleMinHeight < tileSampleStrideHeight
                || tileSampleMinWidth < tileSampleStrideWidth) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: tiling " + tileSampleMinHeight + "x"
                    + tileSampleMinWidth + " with stride " + tileSampleStrideHeight + "x" + tileSampleStrideWidth
                    + " is invalid; strides must be positive and no larger than the tile size");
        }
    }

    /** diffusers' defaults: 512-pixel tiles every 448 pixels (64-pixel blend). */
    public static DecodeTiling diffusersDefaults() {
        return new DecodeTiling(512, 512, 448, 448);
    }

    /** Checks that every size is a whole number of latent pixels. */
    void requireMultipleOf(final int spatialCompression) {
        final int[] sizes = {tileSampleMinHeight, tileSampleMinWidth, tileSampleStrideHeight, tileSampleStrideWidth};
        for (final int size : sizes) {
            if (size % spatialCompression != 0) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "vae-decode: tile size or stride " + size
                        + " must be a multiple of " + spatialCompression + " pixels");
            }
        }
    }
}
