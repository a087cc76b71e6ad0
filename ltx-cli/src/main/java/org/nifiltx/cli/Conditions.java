package org.nifiltx.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.video.ImageLoader;
import org.nifiltx.core.video.VideoReader;

/**
 * {@code --conditions}: a JSON array {@code [{"path": "cat.png", "frame": 0, "strength": 1.0}]} of conditioning
 * images (PNG, JPEG) or clips (MP4, GIF, a folder of PNG frames) pinned to pixel frames of the video: frame 0 is
 * image-to-video or video extension, later frames are keyframes. Only the syntax is checked here; the pipeline checks
 * frame indices and clip lengths against the request.
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
        return new Condition(Path.of(path.asText()), frame == null ? 0 : frame.asInt(), strength == null ? 1.0 : strength.asDouble());
    }

    /** Loads each item's media: images as [H, W, 3], clips as [F, H, W, 3]. */
    static List<org.nifiltx.core.pipeline.Condition> load(final List<Condition> conditions) {
        final List<org.nifiltx.core.pipeline.Condition> loaded = new ArrayList<>();
        for (final Condition c : conditions) {
            final String name = c.path().getFileName().toString().toLowerCase(Locale.ROOT);
            final boolean image = name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".bmp");
            final Tensor media = image ? ImageLoader.loadRgb(c.path()) : VideoReader.read(c.path()).frames();
            loaded.add(new org.nifiltx.core.pipeline.Condition(media, c.frame(), c.strength()));
        }
        return loaded;
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
