package org.nifiltx.core.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.latent.LatentNormalization;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The official {@code prepare_conditioning}: turns a request's conditioning items into the token sequence of one pass
 * ({@code [extra tokens of item 1, item 2, ..., grid]}), its per-token strength mask and its RoPE coordinates.
 * Random draws: the posterior sample of item i's latent is {@link NoiseSource#IMAGE_LATENT_NOISE} for the first item
 * (so the image shortcut keeps its noise file layout) and {@code condition_latent_noise_i} after it; the fresh noise
 * keyframe tokens are lerped from is {@code condition_noise_i} [1, C, f, h, w].
 */
final class Conditioning {
    /**
     * One pass's conditioned state.
     *
     * @param latents     packed [extra + grid tokens, C]
     * @param mask        per-token strength, or null without conditioning
     * @param coords      RoPE positions [1, 3, extra + grid tokens]
     * @param extraTokens tokens before the grid
     */
    record Applied(float[] latents, float[] mask, Tensor coords, int extraTokens) {
    }

    /** Opened only when an item needs encoding, so text-to-video never loads the VAE encoder. */
    private final Supplier<ComponentRunner> encoder;
    private final float[] latentsMean;
    private final float[] latentsStd;
    private final int spatial;
    private final int temporal;

    Conditioning(final Supplier<ComponentRunner> encoder, final float[] latentsMean, final float[] latentsStd, final int spatial,
            final int temporal) {
        this.encoder = encoder;
        this.latentsMean = latentsMean;
        this.latentsStd = latentsStd;
        this.spatial = spatial;
        this.temporal = temporal;
    }

    static String latentNoiseName(final int item) {
        return item == 0 ? NoiseSource.IMAGE_LATENT_NOISE : "condition_latent_noise_" + item;
    }

    static String tokenNoiseName(final int item) {
        return "condition_noise_" + item;
    }

    Applied apply(final GenerationRequest request, final LatentGrid grid, final float[] initial, final NoiseSource noise,
            final boolean causal) {
        final List<Condition> items = request.conditionItems();
        final Tensor gridCoords = LatentLayout.videoCoords(1, grid.frames(), grid.height(), grid.width(), request.frameRate(), causal,
                spatial, temporal);
        if (items.isEmpty()) {
            return new Applied(initial, null, gridCoords, 0);
        }
        final int plane = grid.height() * grid.width();
        final int channels = initial.length / grid.tokens();
        final float[] latents = initial.clone();
        final float[] gridMask = new float[grid.tokens()];
        final List<float[]> extraLatents = new ArrayList<>();
        final List<float[]> extraCoords = new ArrayList<>();
        final List<float[]> extraMasks = new ArrayList<>();
        final float secondsPerFrame = (float) (1.0 / request.frameRate());
        for (int i = 0; i < items.size(); i++) {
            final Condition item = items.get(i);
            final float s = (float) item.strength();
            final float[] tokens = encode(item, request.numFrames(), grid, noise, latentNoiseName(i));
            final int itemFrames = tokens.length / (plane * channels);
            final int n = item.frameIndex();
            if (n == 0) {
                lerpIntoGrid(latents, gridMask, tokens, 0, 0, itemFrames * plane, channels, s);
                continue;
            }
            // A clip after frame 0: latent frames 2.. go into the grid from n/8 + 2, the 2-frame prefix becomes extra tokens.
            final int prefix = item.usedFrames(request.numFrames()) > 1 ? Math.min(2, itemFrames) : itemFrames;
            if (itemFrames > prefix) {
                lerpIntoGrid(latents, gridMask, tokens, prefix * plane, (n / temporal + prefix) * plane, (itemFrames - prefix) * plane,
                        channels, s);
            }
            final int count = prefix * plane;
            final float[] eps = LatentLayout.pack(noise.draw(tokenNoiseName(i), new long[] {1, channels, prefix, grid.height(),
                    grid.width()})).toFloatArray();
            final float[] extra = new float[count * channels];
            for (int k = 0; k < extra.length; k++) {
                extra[k] = lerp(eps[k], tokens[k], s);
            }
            final float[] coords = new float[3 * count];
            for (int token = 0; token < count; token++) {
                final int f = token / plane;
                final int pixelFrame = (causal ? Math.max(0, temporal * f + 1 - temporal) : temporal * f) + n;
                coords[token] = (float) pixelFrame * secondsPerFrame;
                coords[count + token] = (float) (spatial * ((token / grid.width()) % grid.height()));
                coords[2 * count + token] = (float) (spatial * (token % grid.width()));
            }
            extraLatents.add(extra);
            extraCoords.add(coords);
            final float[] mask = new float[count];
            Arrays.fill(mask, s);
            extraMasks.add(mask);
        }
        return concat(extraLatents, extraCoords, extraMasks, latents, gridMask, gridCoords.toFloatArray(), channels);
    }

    /** {@code latents[to..] = lerp(latents[to..], tokens[from..], s)} over {@code count} tokens; their mask becomes s. */
    private static void lerpIntoGrid(final float[] latents, final float[] mask, final float[] tokens, final int from, final int to,
            final int count, final int channels, final float s) {
        for (int token = 0; token < count; token++) {
            for (int c = 0; c < channels; c++) {
                final int target = (to + token) * channels + c;
                latents[target] = lerp(latents[target], tokens[(from + token) * channels + c], s);
            }
            mask[to + token] = s;
        }
    }

    /** torch.lerp's two-sided formula, so strength 1 gives exactly {@code end} and 0 exactly {@code start}. */
    static float lerp(final float start, final float end, final float weight) {
        return weight < 0.5f ? start + weight * (end - start) : end - (end - start) * (1f - weight);
    }

    private static Applied concat(final List<float[]> extraLatents, final List<float[]> extraCoords, final List<float[]> extraMasks,
            final float[] gridLatents, final float[] gridMask, final float[] gridCoords, final int channels) {
        int extra = 0;
        for (final float[] mask : extraMasks) {
            extra += mask.length;
        }
        final int total = extra + gridMask.length;
        final float[] latents = new float[total * channels];
        final float[] mask = new float[total];
        final float[] coords = new float[3 * total];
        int at = 0;
        for (int i = 0; i < extraMasks.size(); i++) {
            final int count = extraMasks.get(i).length;
            place(extraLatents.get(i), extraMasks.get(i), extraCoords.get(i), count, at, latents, mask, coords, channels, total);
            at += count;
        }
        place(gridLatents, gridMask, gridCoords, gridMask.length, at, latents, mask, coords, channels, total);
        return new Applied(latents, mask, Tensor.ofFloats(new long[] {1, 3, total}, coords), extra);
    }

    private static void place(final float[] partLatents, final float[] partMask, final float[] partCoords, final int count, final int at,
            final float[] latents, final float[] mask, final float[] coords, final int channels, final int total) {
        System.arraycopy(partLatents, 0, latents, at * channels, count * channels);
        System.arraycopy(partMask, 0, mask, at, count);
        for (int axis = 0; axis < 3; axis++) {
            System.arraycopy(partCoords, axis * count, coords, axis * total + at, count);
        }
    }

    /** The item's used frames at the pass size, VAE-encoded (a posterior sample, as both references do), normalised, packed. */
    private float[] encode(final Condition item, final int numFrames, final LatentGrid grid, final NoiseSource noise,
            final String noiseName) {
        final Tensor video = toVideo(item, item.usedFrames(numFrames), grid.pixelHeight(), grid.pixelWidth());
        final TensorBundle encoded = encoder.get().run(TensorBundle.of(Map.of("video", video)));
        final Tensor mean = encoded.get("latent_mean");
        final float[] means = mean.toFloatArray();
        final float[] logVar = encoded.get("latent_logvar").toFloatArray();
        final float[] eps = noise.draw(noiseName, mean.shape()).toFloatArray();
        final int channels = (int) mean.dim(1);
        final int plane = means.length / channels;
        final float[] sample = new float[means.length];
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < plane; p++) {
                final int i = c * plane + p;
                final float variance = logVar.length == means.length ? logVar[i] : logVar[p % logVar.length];
                final float std = (float) Math.exp(0.5 * Math.max(-30f, Math.min(20f, variance)));
                sample[i] = means[i] + std * eps[i];
            }
        }
        final Tensor normalized = LatentNormalization.normalize(Tensor.ofFloats(mean.shape(), sample), latentsMean, latentsStd);
        return LatentLayout.pack(normalized).toFloatArray();
    }

    /** The first {@code frames} frames as float [1, 3, frames, height, width] in [-1, 1], each prepared like the image. */
    private static Tensor toVideo(final Condition item, final int frames, final int height, final int width) {
        final Tensor media = item.media();
        if (media.rank() == 3) {
            return ImagePreprocess.toVideoTensor(media, height, width);
        }
        final long[] frameShape = {media.dim(1), media.dim(2), 3};
        final int frameBytes = Math.toIntExact(Tensor.numel(frameShape));
        final byte[] bytes = media.toByteArray();
        final int plane = height * width;
        final float[] out = new float[3 * frames * plane];
        for (int f = 0; f < frames; f++) {
            final Tensor frame = Tensor.ofBytes(DType.U8, frameShape, Arrays.copyOfRange(bytes, f * frameBytes, (f + 1) * frameBytes));
            final float[] planar = ImagePreprocess.toVideoTensor(frame, height, width).toFloatArray();
            for (int c = 0; c < 3; c++) {
                System.arraycopy(planar, c * plane, out, (c * frames + f) * plane, plane);
            }
        }
        return Tensor.ofFloats(new long[] {1, 3, frames, height, width}, out);
    }
}
