package org.nifiltx.onnx.model.vae;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.nifiltx.core.tensor.Tensor;

/**
 * The blending arithmetic of a spatially tiled decode, with diffusers' {@code tiled_decode} semantics: tiles are
 * blended in place (top neighbour first, then left neighbour, whose own blend already happened), so later blends see
 * earlier ones; each tile then contributes its top-left stride × stride pixels.
 */
final class TiledDecode {
    /** One decoded tile, [B, C, F, H, W] floats, blended in place in the buffer the decoder wrote (no copy). */
    private static final class Tile {
        private final FloatBuffer data;
        private final long[] shape;

        Tile(final Tensor video) {
            this.data = video.toF32().floatView();
            this.shape = video.shape();
        }

        int height() {
            return (int) shape[3];
        }

        int width() {
            return (int) shape[4];
        }

        /** Number of [H, W] planes (B·C·F). */
        int planes() {
            return (int) (shape[0] * shape[1] * shape[2]);
        }

        int index(final int plane, final int y, final int x) {
            return (plane * height() + y) * width() + x;
        }
    }

    private TiledDecode() {
    }

    /**
     * Decodes latents [B, C, F, h, w] tile by tile; {@code decodeTile} gets the latent window (y0, y1, x0, x1) and
     * returns that window's video. Returns the blended video [B, C', F', h·s, w·s].
     */
    static Tensor decode(final long latentHeight, final long latentWidth, final int spatialCompression,
            final DecodeTiling tiling, final Function<int[], Tensor> decodeTile) {
        final int minHeight = tiling.tileSampleMinHeight() / spatialCompression;
        final int minWidth = tiling.tileSampleMinWidth() / spatialCompression;
        final int strideHeight = tiling.tileSampleStrideHeight() / spatialCompression;
        final int strideWidth = tiling.tileSampleStrideWidth() / spatialCompression;
        final int blendHeight = tiling.tileSampleMinHeight() - tiling.tileSampleStrideHeight();
        final int blendWidth = tiling.tileSampleMinWidth() - tiling.tileSampleStrideWidth();
        final int outHeight = (int) latentHeight * spatialCompression;
        final int outWidth = (int) latentWidth * spatialCompression;
        Tensor result = null;
        FloatBuffer out = null;
        // Only the row above is kept: a tile blends with its upper and left neighbours, so memory holds two rows.
        List<Tile> above = null;
        for (int i = 0; i < latentHeight; i += strideHeight) {
            final List<Tile> row = new ArrayList<>();
            for (int j = 0; j < latentWidth; j += strideWidth) {
                final int[] window = {i, (int) Math.min(i + minHeight, latentHeight), j,
                    (int) Math.min(j + minWidth, latentWidth)};
                final Tile tile = new Tile(decodeTile.apply(window));
                if (out == null) {
                    // the blended video is assembled in its final buffer: no float[] of the whole video, no copy
                    result = Tensor.zerosF32(new long[] {tile.shape[0], tile.shape[1], tile.shape[2], outHeight, outWidth});
                    out = result.floatView();
                }
                final int column = row.size();
                if (above != null) {
                    blendVertical(above.get(column), tile, blendHeight);
                }
                if (column > 0) {
                    blendHorizontal(row.get(column - 1), tile, blendWidth);
                }
                place(tile, out, i / strideHeight * tiling.tileSampleStrideHeight(),
                        column * tiling.tileSampleStrideWidth(), tiling.tileSampleStrideHeight(),
                        tiling.tileSampleStrideWidth(), outHeight, outWidth);
                row.add(tile);
            }
            above = row;
            // Each tile arrives in a buffer of its own (a heap copy of ONNX Runtime's output, or a direct buffer that
            // only a collection frees): without a collection the tiles of every row stay resident as garbage (at
            // 768×512×121 in int8, 24 tiles of 37 MB grew the heap by 0.7 GB). A collection per row costs well under
            // one tile's decode.
            System.gc();
        }
        return result;
    }

    /** {@code b[y] = a[H_a − s + y]·(1 − y/s) + b[y]·(y/s)} for the first s = min(H_a, H_b, extent) rows of b. */
    private static void blendVertical(final Tile a, final Tile b, final int extent) {
        final int span = Math.min(Math.min(a.height(), b.height()), extent);
        for (int y = 0; y < span; y++) {
            final float keepA = (float) (1 - (double) y / span);
            final float keepB = (float) ((double) y / span);
            for (int p = 0; p < b.planes(); p++) {
                for (int x = 0; x < b.width(); x++) {
                    final int target = b.index(p, y, x);
                    b.data.put(target, a.data.get(a.index(p, a.height() - span + y, x)) * keepA + b.data.get(target) * keepB);
                }
            }
        }
    }

    /** {@code b[:, x] = a[:, W_a − s + x]·(1 − x/s) + b[:, x]·(x/s)} for the first s = min(W_a, W_b, extent) columns. */
    private static void blendHorizontal(final Tile a, final Tile b, final int extent) {
        final int span = Math.min(Math.min(a.width(), b.width()), extent);
        for (int x = 0; x < span; x++) {
            final float keepA = (float) (1 - (double) x / span);
            final float keepB = (float) ((double) x / span);
            for (int p = 0; p < b.planes(); p++) {
                for (int y = 0; y < b.height(); y++) {
                    final int target = b.index(p, y, x);
                    b.data.put(target, a.data.get(a.index(p, y, a.width() - span + x)) * keepA + b.data.get(target) * keepB);
                }
            }
        }
    }

    /** Copies the tile's top-left stride × stride pixels (clipped to the output) to (y0, x0). */
    private static void place(final Tile tile, final FloatBuffer out, final int y0, final int x0, final int strideHeight,
            final int strideWidth, final int outHeight, final int outWidth) {
        final int height = Math.min(Math.min(tile.height(), strideHeight), outHeight - y0);
        final int width = Math.min(Math.min(tile.width(), strideWidth), outWidth - x0);
        for (int p = 0; p < tile.planes(); p++) {
            for (int y = 0; y < height; y++) {
                out.put((p * outHeight + y0 + y) * outWidth + x0, tile.data, tile.index(p, y, 0), width);
            }
        }
    }

    /** Window [y0, y1) × [x0, x1) of the last two axes of a tensor (any rank ≥ 2), as float32. */
    static Tensor window(final Tensor tensor, final int y0, final int y1, final int x0, final int x1) {
        final long[] shape = tensor.shape();
        final int rank = shape.length;
        final int height = (int) shape[rank - 2];
        final int width = (int) shape[rank - 1];
        final int planes = (int) (tensor.numel() / ((long) height * width));
        final float[] values = tensor.toFloatArray();
        final float[] out = new float[planes * (y1 - y0) * (x1 - x0)];
        for (int p = 0; p < planes; p++) {
            for (int y = y0; y < y1; y++) {
                final int target = (p * (y1 - y0) + y - y0) * (x1 - x0);
                System.arraycopy(values, (p * height + y) * width + x0, out, target, x1 - x0);
            }
        }
        final long[] outShape = shape.clone();
        outShape[rank - 2] = y1 - y0;
        outShape[rank - 1] = x1 - x0;
        return Tensor.ofFloats(outShape, out);
    }
}
