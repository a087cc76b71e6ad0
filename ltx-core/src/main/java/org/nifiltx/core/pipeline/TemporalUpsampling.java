package org.nifiltx.core.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * Multi-scale generation with an upsampler that doubles time (temporal or spatio-temporal: F → 2F − 1 latent frames).
 * The requested frame count and rate describe the output, as height and width do for the spatial upsampler: the first
 * pass makes every other frame, i.e. (F + 1) / 2 latent frames at half the frame rate (the same duration, so the RoPE
 * time positions agree after upsampling), and the second pass refines the upsampled 2F − 1 frames at the requested rate.
 * This needs an odd latent frame count, i.e. 16N + 1 pixel frames; conditions move to half their frame index in the
 * first pass, clips keeping every other frame.
 */
public final class TemporalUpsampling {
    private TemporalUpsampling() {
    }

    /** Whether {@code request} runs a first pass at half the frame rate (multi-scale with a time-doubling upsampler). */
    public static boolean applies(final GenerationRequest request, final LatentUpsamplerModel upsampler) {
        return request.multiScale() && upsampler != null && upsampler.temporalUpsample();
    }

    /** Checks frame count and conditions against the half-rate first pass; every problem is an INVALID_ARGUMENT. */
    public static void validate(final GenerationRequest request, final LatentUpsamplerModel upsampler, final int temporalCompression) {
        if (!applies(request, upsampler)) {
            return;
        }
        final int period = 2 * temporalCompression;
        if ((request.numFrames() - 1) % period != 0) {
            throw invalid("num-frames must be " + period + "N+1 (" + (period + 1) + ", " + (2 * period + 1) + ", " + (3 * period + 1)
                    + ", ...) with a temporal latent upsampler, which turns F latent frames into 2F-1 (the first pass makes every "
                    + "other frame), got " + request.numFrames());
        }
        final List<Condition> items = request.conditionItems();
        for (int i = 0; i < items.size(); i++) {
            final Condition item = items.get(i);
            final int used = item.usedFrames(request.numFrames());
            if (used > 1 && ((used - 1) % period != 0 || item.frameIndex() % period != 0)) {
                throw invalid("condition " + (i + 1) + ": with a temporal latent upsampler a clip must have " + period + "k+1 frames "
                        + "and start at a multiple of " + period + " (the first pass takes every other frame), got " + used
                        + " frames at frame " + item.frameIndex());
            }
            if (item.frameIndex() % 2 != 0) {
                throw invalid("condition " + (i + 1) + ": with a temporal latent upsampler a condition must sit on an even frame "
                        + "(the first pass makes every other frame), got frame " + item.frameIndex());
            }
        }
    }

    /** The first pass's request: (N − 1) / 2 + 1 frames at half the rate, conditions at half their index. */
    static GenerationRequest firstPass(final GenerationRequest request) {
        final List<Condition> halved = new ArrayList<>();
        for (final Condition item : request.conditions()) {
            halved.add(new Condition(everyOtherFrame(item.media()), item.frameIndex() / 2, item.strength()));
        }
        return request.withConditioning(request.image(), halved).withTiming((request.numFrames() - 1) / 2 + 1,
                request.frameRate() / 2);
    }

    /** Frames 0, 2, 4, ... of a clip [F, H, W, 3]; an image [H, W, 3] as it is. */
    private static Tensor everyOtherFrame(final Tensor media) {
        if (media.rank() != 4) {
            return media;
        }
        final int frames = (int) media.dim(0);
        final int frameBytes = Math.toIntExact(media.numel() / frames * media.dtype().byteSize());
        final int kept = (frames + 1) / 2;
        final ByteBuffer source = media.data();
        final byte[] out = new byte[kept * frameBytes];
        for (int f = 0; f < kept; f++) {
            source.position(2 * f * frameBytes);
            source.get(out, f * frameBytes, frameBytes);
        }
        return Tensor.ofBytes(DType.U8, new long[] {kept, media.dim(1), media.dim(2), media.dim(3)}, out);
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
