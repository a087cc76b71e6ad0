package org.nifiltx.core.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * What the decoding stage needs and nothing else: the size the latents are decoded to, how, and under which reference
 * semantics. {@link GenerationRequest#decodeSpec()} takes it from a whole request; latents carry the part their
 * generation decided ({@link #latentsMetadata()}), and a stage that only decodes (NiFi's DecodeVideo) reads it back
 * with {@link #withLatentsMetadata} and adds its own decode settings.
 *
 * @param toneMap tone map compression ratio applied before decoding (official), 0 for none
 */
public record DecodeSpec(int numFrames, int height, int width, double frameRate, Compat compat, double toneMap,
        double decodeTimestep, double decodeNoiseScale) {

    /**
     * The largest video latents [1, C, F, h, w] decode to (F, h, w the last three of {@code latentShape}), at the
     * default frame rate, compat and decode settings: what latents made elsewhere, without metadata, decode as.
     */
    public static DecodeSpec ofLatentGrid(final long[] latentShape, final int spatialCompression, final int temporalCompression) {
        final int rank = latentShape.length;
        final boolean grid = rank == 5;
        return new DecodeSpec(grid ? (int) (latentShape[2] - 1) * temporalCompression + 1 : 1,
                grid ? (int) latentShape[3] * spatialCompression : spatialCompression,
                grid ? (int) latentShape[4] * spatialCompression : spatialCompression, Defaults.FRAME_RATE, Defaults.COMPAT, 0,
                Defaults.DECODE_TIMESTEP, Defaults.DECODE_NOISE_SCALE);
    }

    /** Sizes, frame rate and decode values against the VAE's compression factors; every problem is an INVALID_ARGUMENT. */
    public void validate(final int spatialCompression, final int temporalCompression) {
        checkSizes(numFrames, height, width, spatialCompression, spatialCompression, temporalCompression);
        checkDecoding(frameRate, decodeTimestep, decodeNoiseScale);
        if (!(toneMap >= 0 && toneMap <= 1)) {
            throw invalid("tone-map must lie in [0, 1], got " + toneMap);
        }
        if (compat == null) {
            throw invalid("a compat (official or diffusers) is required");
        }
    }

    /** The frame count and size rules a generation and a decode share ({@code minimum}: the smallest height and width). */
    static void checkSizes(final int numFrames, final int height, final int width, final int minimum, final int spatialCompression,
            final int temporalCompression) {
        if (numFrames < 1 || (numFrames - 1) % temporalCompression != 0) {
            throw invalid("num-frames must be " + temporalCompression + "N+1 (1, " + (temporalCompression + 1) + ", "
                    + (2 * temporalCompression + 1) + ", ...), got " + numFrames);
        }
        if (height < minimum || height % spatialCompression != 0) {
            throw invalid("height must be a positive multiple of " + spatialCompression + ", got " + height);
        }
        if (width < minimum || width % spatialCompression != 0) {
            throw invalid("width must be a positive multiple of " + spatialCompression + ", got " + width);
        }
    }

    /** The frame rate and decode value rules a generation and a decode share. */
    static void checkDecoding(final double frameRate, final double decodeTimestep, final double decodeNoiseScale) {
        if (!(frameRate > 0) || !Double.isFinite(frameRate)) {
            throw invalid("frame-rate must be positive, got " + frameRate);
        }
        if (!(decodeNoiseScale >= 0 && decodeNoiseScale <= 1)) {
            throw invalid("decode-noise-scale must lie in [0, 1], got " + decodeNoiseScale);
        }
        if (!(decodeTimestep >= 0 && decodeTimestep <= 1)) {
            throw invalid("decode-timestep must lie in [0, 1], got " + decodeTimestep);
        }
    }

    /** What the generation decided and latents carry ({@link StageMetadata} keys): sizes, frame rate, compat, tone map. */
    public Map<String, String> latentsMetadata() {
        final Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(StageMetadata.STAGE, StageMetadata.STAGE_LATENTS);
        metadata.put(StageMetadata.COMPAT, compat.name());
        metadata.put(StageMetadata.NUM_FRAMES, String.valueOf(numFrames));
        metadata.put(StageMetadata.HEIGHT, String.valueOf(height));
        metadata.put(StageMetadata.WIDTH, String.valueOf(width));
        metadata.put(StageMetadata.FRAME_RATE, String.valueOf(frameRate));
        metadata.put(StageMetadata.TONE_MAP, String.valueOf(toneMap));
        return metadata;
    }

    /** This spec with every value the latents' metadata carries taken from it (the rest stays). */
    public DecodeSpec withLatentsMetadata(final Map<String, String> metadata) {
        final Integer frames = StageMetadata.positiveInteger(metadata, StageMetadata.NUM_FRAMES);
        final Integer h = StageMetadata.positiveInteger(metadata, StageMetadata.HEIGHT);
        final Integer w = StageMetadata.positiveInteger(metadata, StageMetadata.WIDTH);
        final Double rate = StageMetadata.nonNegative(metadata, StageMetadata.FRAME_RATE);
        final Double tone = StageMetadata.nonNegative(metadata, StageMetadata.TONE_MAP);
        return new DecodeSpec(frames != null ? frames : numFrames, h != null ? h : height, w != null ? w : width,
                rate != null ? rate : frameRate, StageMetadata.compat(metadata, compat), tone != null ? tone : toneMap,
                decodeTimestep, decodeNoiseScale);
    }

    /** This spec decoded at another timestep and noise scale. */
    public DecodeSpec withDecoding(final double newDecodeTimestep, final double newDecodeNoiseScale) {
        return new DecodeSpec(numFrames, height, width, frameRate, compat, toneMap, newDecodeTimestep, newDecodeNoiseScale);
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
