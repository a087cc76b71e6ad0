package org.nifiltx.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Small helpers for reading checkpoint config JSON with errors that name the file and key. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static JsonNode read(final Path file) {
        try {
            return MAPPER.readTree(Files.readString(file));
        } catch (final NoSuchFileException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "config file not found: " + file, e);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "config file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    public static JsonNode parse(final String source, final String text) {
        try {
            return MAPPER.readTree(text);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, source + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    public static JsonNode required(final JsonNode node, final String key, final String source) {
        final JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + " lacks the config entry '" + key + "'");
        }
        return v;
    }

    public static int requiredInt(final JsonNode node, final String key, final String source) {
        final JsonNode v = required(node, key, source);
        if (!v.canConvertToInt() || !v.isNumber()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + " entry '" + key + "' is " + v + ", not an integer");
        }
        return v.intValue();
    }

    public static int optInt(final JsonNode node, final String key, final int fallback) {
        final JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : v.intValue();
    }

    public static double optDouble(final JsonNode node, final String key, final double fallback) {
        final JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : v.doubleValue();
    }

    public static boolean optBoolean(final JsonNode node, final String key, final boolean fallback) {
        final JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : v.booleanValue();
    }

    public static String optText(final JsonNode node, final String key, final String fallback) {
        final JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }
}
