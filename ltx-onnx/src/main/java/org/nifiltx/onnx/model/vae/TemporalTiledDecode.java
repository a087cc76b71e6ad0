package org.nifiltx.onnx.model.vae;

import java.nio.FloatBuffer;
import java.util.function.BiFunction;
import org.nifiltx.core.tensor.Tensor;

/**
 * The time axis of a tiled decode, like diffusers' {@code _temporal_tiled_decode}: latents are decoded in chunks of
 * {@code minNumFrames / t + 1} latent frames every {@code strideNumFrames / t} latent frames (t = temporal
 * compression), and each chunk is blended linearly into the previous one over {@code minNumFrames − strideNumFrames}
 * pixel frames.
 *
 * <p>Frame bookkeeping: F latent frames decode to t(F − 1) + 1 pixel frames, latent frame 0 giving pixel frame 0 and
 * latent frame k ≥ 1 giving pixel frames t(k − 1) + 1 … tk. A chunk starting at latent frame s therefore yields pixel
 * frames ts … ts + t(n − 1): its first frame is latent s decoded as if it began the video, which is why the blend
 * gives it weight 0 and takes that frame from the previous chunk. diffusers instead drops the last frame of every
 * later chunk and lines the chunks up one frame apart, so its output repeats one frame; here every chunk is placed
 * at its true frame, so a chunk that covers all latents decodes exactly as the untiled decoder. Chunks stop at the
 * first one that reaches the last latent frame (diffusers decodes further, redundant chunks). A blend of 0 frames
 * still takes the shared frame ts from the previous chunk.
 */
final class TemporalTiledDecode {
    private TemporalTiledDecode() {
    }

    /**
     * Decodes latents with {@code latentFrames} frames chunk by chunk; {@code decodeChunk} gets the latent frame range
     * [start, end) and returns its video [B, C, t(end − start − 1) + 1, H, W]. Returns [B, C, t(F − 1) + 1, H, W].
     */
    static Tensor decode(final int latentFrames, final int temporalCompression, final DecodeTiling tiling,
            final BiFunction<Integer, Integer, Tensor> decodeChunk) {
        final int chunkFrames = tiling.tileSampleMinNumFrames() / temporalCompression;
        final int strideFrames = tiling.tileSampleStrideNumFrames() / temporalCompression;
        final int blend = Math.max(1, tiling.tileSampleMinNumFrames() - tiling.tileSampleStrideNumFrames());
        final int total = temporalCompression * (latentFrames - 1) + 1;
        Tensor result = null;
        FloatBuffer out = null;
        long[] outShape = null;
        float[] previous = null;
        int previousFrames = 0;
        int previousStart = 0;
        for (int start = 0;; start += strideFrames) {
            final int end = Math.min(start + chunkFrames + 1, latentFrames);
            final Tensor video = decodeChunk.apply(start, end);
            final long[] shape = video.shape();
            final float[] current = video.toFloatArray();
            final int frames = (int) shape[2];
            final int planes = (int) (shape[0] * shape[1]);
            final int frameSize = (int) (shape[3] * shape[4]);
            final int first = temporalCompression * start;
            if (out == null) {
                outShape = new long[] {shape[0], shape[1], total, shape[3], shape[4]};
                // assembled in its final buffer: no float[] of the whole video, no copy
                result = Tensor.zerosF32(outShape);
                out = result.floatView();
            } else {
                final int offset = first - previousStart;
                final int span = Math.min(Math.min(blend, previousFrames - offset), frames);
                for (int x = 0; x < span; x++) {
                    final float keepPrevious = (float) (1 - (double) x / span);
                    final float keepCurrent = (float) ((double) x / span);
                    for (int p = 0; p < planes; p++) {
                        final int target = (p * frames + x) * frameSize;
                        final int source = (p * previousFrames + offset + x) * frameSize;
                        for (int i = 0; i < frameSize; i++) {
                            current[target + i] = previous[source + i] * keepPrevious
                                    + current[target + i] * keepCurrent;
                        }
                    }
                }
                place(previous, previousFrames, previousStart, first, out, total, planes, frameSize);
            }
            previous = current;
            previousFrames = frames;
            previousStart = first;
            // the chunk's own buffer is garbage now; collected before the next chunk decodes (see TiledDecode)
            System.gc();
            if (end == latentFrames) {
                break;
            }
        }
        place(previous, previousFrames, previousStart, total, out, total, planes(outShape), frameSize(outShape));
        return result;
    }

    /** Copies pixel frames [from, to) of a chunk that starts at pixel frame {@code chunkStart} into the output. */
    private static void place(final float[] chunk, final int chunkFrames, final int chunkStart, final int to,
            final FloatBuffer out, final int total, final int planes, final int frameSize) {
        final int count = Math.min(to, chunkStart + chunkFrames) - chunkStart;
        for (int p = 0; p < planes; p++) {
            out.put((p * total + chunkStart) * frameSize, chunk, p * chunkFrames * frameSize, count * frameSize);
        }
    }

    private static int planes(final long[] shape) {
        return (int) (shape[0] * shape[1]);
    }

    private static int frameSize(final long[] shape) {
        return (int) (shape[3] * shape[4]);
    }

    /** Latent frames [start, end) of latents [B, C, F, h, w], as float32. */
    static Tensor frames(final Tensor latents, final int start, final int end) {
        final long[] shape = latents.shape();
        final int planes = (int) (shape[0] * shape[1]);
        final int frames = (int) shape[2];
        final int frameSize = (int) (shape[3] * shape[4]);
        final float[] values = latents.toFloatArray();
        final float[] out = new float[planes * (end - start) * frameSize];
        for (int p = 0; p < planes; p++) {
            System.arraycopy(values, (p * frames + start) * frameSize, out, p * (end - start) * frameSize,
                    (end - start) * frameSize);
        }
        return Tensor.ofFloats(new long[] {shape[0], shape[1], end - start, shape[3], shape[4]}, out);
    }
}
