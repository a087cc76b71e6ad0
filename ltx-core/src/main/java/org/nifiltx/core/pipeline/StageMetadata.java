package org.nifiltx.core.pipeline;

import java.util.Locale;
import java.util.Map;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The safetensors metadata keys a stage writes into its output so that the next stage reads its settings from the data
 * rather than having them entered again: the encoded prompt carries its {@link PromptSpec}, latents the
 * {@link DecodeSpec#latentsMetadata() grid, frame rate, compat and tone map} plus the seed and step count. The names are
 * those of the NiFi attributes with the same meaning. A value that is present but unreadable is an
 * {@link LtxErrorCode#INVALID_TENSOR} naming the key: the content, not a setting, is wrong.
 */
public final class StageMetadata {
    /** Which stage wrote the content: {@link #STAGE_PROMPT_EMBEDDINGS} or {@link #STAGE_LATENTS}. */
    public static final String STAGE = "ltx.stage";
    public static final String STAGE_PROMPT_EMBEDDINGS = "prompt-embeddings";
    public static final String STAGE_LATENTS = "latents";
    /** {@link Compat} name the content was made with. */
    public static final String COMPAT = "ltx.compat";
    public static final String PROMPT = "ltx.prompt";
    public static final String NEGATIVE_PROMPT = "ltx.negative.prompt";
    /** Whether the unconditional (negative prompt) row was encoded: "true" or "false". */
    public static final String NEGATIVE_EMBEDDINGS = "ltx.negative.embeddings";
    public static final String MAX_LENGTH = "ltx.max.length";
    public static final String NUM_FRAMES = "ltx.num.frames";
    public static final String HEIGHT = "ltx.height";
    public static final String WIDTH = "ltx.width";
    public static final String FRAME_RATE = "ltx.frame.rate";
    /** Tone map compression ratio the decode applies (that of the pass whose latents these are). */
    public static final String TONE_MAP = "ltx.tone.map";
    public static final String SEED = "ltx.seed";
    public static final String STEPS = "ltx.steps";

    private StageMetadata() {
    }

    /** The compat the content was made with, or {@code fallback} for content that does not say. */
    public static Compat compat(final Map<String, String> metadata, final Compat fallback) {
        final String value = metadata.get(COMPAT);
        if (value == null) {
            return fallback;
        }
        try {
            return Compat.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (final IllegalArgumentException e) {
            throw bad(COMPAT, value, "OFFICIAL or DIFFUSERS");
        }
    }

    /** A positive integer, or null when absent. */
    public static Integer positiveInteger(final Map<String, String> metadata, final String key) {
        final String value = metadata.get(key);
        if (value == null) {
            return null;
        }
        try {
            final int parsed = Integer.parseInt(value.trim());
            if (parsed >= 1) {
                return parsed;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw bad(key, value, "an integer of at least 1");
    }

    /** A finite number of at least 0, or null when absent. */
    public static Double nonNegative(final Map<String, String> metadata, final String key) {
        final String value = metadata.get(key);
        if (value == null) {
            return null;
        }
        try {
            final double parsed = Double.parseDouble(value.trim());
            if (parsed >= 0 && Double.isFinite(parsed)) {
                return parsed;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw bad(key, value, "a finite number of at least 0");
    }

    /** A 64-bit integer, or null when absent. */
    public static Long integer64(final Map<String, String> metadata, final String key) {
        final String value = metadata.get(key);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (final NumberFormatException e) {
            throw bad(key, value, "a 64-bit integer");
        }
    }

    /** "true" or "false", or null when absent. */
    public static Boolean flag(final Map<String, String> metadata, final String key) {
        final String value = metadata.get(key);
        if (value == null) {
            return null;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(key, value, "true or false");
        };
    }

    private static LtxException bad(final String key, final String value, final String expected) {
        return new LtxException(LtxErrorCode.INVALID_TENSOR, "content metadata " + key + " is '" + value + "', not " + expected);
    }
}
