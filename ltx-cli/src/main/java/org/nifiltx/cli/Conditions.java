package org.nifiltx.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * {@code --conditions}: a JSON array {@code [{"path": "cat.png", "frame": 0, "strength": 1.0}]} of conditioning
 * images. The pipeline conditions on a first-frame image only (image-to-video); later frames and partial strengths
 * are refused as UNSUPPORTED until the pipeline has them.
 */
final class Conditions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("path", "frame", "strength");

    /** One conditioning item. */
    record Condition(Path path, int frame, double strength) {
    }

    private Conditions() {
    }

    static List<Condition> parse(final String text) {
        final JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (final JsonProcessingException e) {
            throw invalid("--conditions is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) {
            throw invalid("--conditions must be a JSON array like [{\"path\": \"image.png\", \"frame\": 0, \"strength\": 1.0}]");
        }
        final List<Condition> conditions = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            conditions.add(item(root.get(i), i));
        }
        return conditions;
    }

    private static Condition item(final JsonNode node, final int index) {
        final String where = "--conditions[" + index + "]";
        if (!node.isObject()) {
            throw invalid(where + " must be an object with path, frame and strength");
        }
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            final String name = names.next();
            if (!KEYS.contains(name)) {
                throw invalid(where + " has unknown key '" + name + "' (expected path, frame, strength)");
            }
        }
        final JsonNode path = node.get("path");
        if (path == null || !path.isTextual() || path.asText().isEmpty()) {
            throw invalid(where + ".path must be an image file name");
        }
        final JsonNode frame = node.get("frame");
        if (frame != null && !(frame.canConvertToInt() && frame.isIntegralNumber() && frame.asInt() >= 0)) {
            throw invalid(where + ".frame must be an integer >= 0, got " + frame);
        }
        final JsonNode strength = node.get("strength");
        if (strength != null && !(strength.isNumber() && strength.asDouble() >= 0 && strength.asDouble() <= 1)) {
            throw invalid(where + ".strength must be a number in [0, 1], got " + strength);
        }
        final Condition condition = new Condition(Path.of(path.asText()), frame == null ? 0 : frame.asInt(),
                strength == null ? 1.0 : strength.asDouble());
        if (condition.frame() != 0) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, where + ": conditioning at frame " + condition.frame()
                    + " is not supported yet; only a frame-0 image (image-to-video) is");
        }
        if (condition.strength() != 1.0) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, where + ": conditioning strength " + condition.strength()
                    + " is not supported yet; only 1.0 is");
        }
        return condition;
    }

    /** The single frame-0 image among {@code conditions}, or null when there is none. */
    static Path firstFrameImage(final List<Condition> conditions) {
        if (conditions.size() > 1) {
            throw invalid("--conditions holds " + conditions.size() + " frame-0 images; give at most one");
        }
        return conditions.isEmpty() ? null : conditions.get(0).path();
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
