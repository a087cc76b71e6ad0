package org.nifiltx.nifi.processors;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.nifi.components.DescribedValue;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;
import org.nifiltx.core.video.VideoFormat;

/** What DecodeVideo writes; the extension picks the {@code VideoWriter} format. */
public enum OutputFormat implements DescribedValue {
    MP4("MP4", "mp4", "video/mp4", "H.264 Baseline, yuv420p, in an MP4 container."),
    GIF("GIF", "gif", "image/gif", "Animated GIF looping forever."),
    PNG_ZIP("PNG Zip", "zip", "application/zip", "Lossless PNG frames frame_00000.png ... in a zip file."),
    SAFETENSORS("Safetensors", "safetensors", "application/octet-stream",
            "The raw uint8 frames [F, H, W, 3] as tensor 'frames_uint8' with metadata frame_rate (exact, for checks).");

    private final String displayName;
    private final String extension;
    private final String mimeType;
    private final String description;

    OutputFormat(final String displayName, final String extension, final String mimeType, final String description) {
        this.displayName = displayName;
        this.extension = extension;
        this.mimeType = mimeType;
        this.description = description;
    }

    /**
     * The Output Format property's rule: a format's value (MP4) or display name (PNG Zip), any case; an expression is
     * checked once evaluated, with the same words.
     */
    static final Validator VALIDATOR = new Validator() {
        @Override
        public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
            final ValidationResult.Builder result = new ValidationResult.Builder().subject(subject).input(input);
            if (context.isExpressionLanguageSupported(subject) && context.isExpressionLanguagePresent(input)) {
                return result.valid(true).explanation("Expression Language is checked for each FlowFile").build();
            }
            final String problem = find(input) == null ? problem(input) : null;
            return result.valid(problem == null).explanation(problem).build();
        }
    };

    /** The format named by its value or display name, ignoring case and surrounding blanks; null when none is. */
    static OutputFormat find(final String name) {
        if (name == null) {
            return null;
        }
        final String trimmed = name.trim();
        for (final OutputFormat format : values()) {
            if (format.name().equalsIgnoreCase(trimmed) || format.displayName.equalsIgnoreCase(trimmed)) {
                return format;
            }
        }
        return null;
    }

    /** Why {@code name} names no format. */
    static String problem(final String name) {
        return (name == null || name.isBlank() ? "an empty value" : "'" + name.trim() + "'") + " is not one of "
                + Arrays.stream(values()).map(OutputFormat::getDisplayName).collect(Collectors.joining(", "));
    }

    public String extension() {
        return extension;
    }

    /** The writer's format for this choice. */
    VideoFormat videoFormat() {
        return switch (this) {
            case MP4 -> VideoFormat.MP4;
            case GIF -> VideoFormat.GIF;
            case PNG_ZIP -> VideoFormat.PNG_ZIP;
            case SAFETENSORS -> VideoFormat.RAW_BUNDLE;
        };
    }

    public String mimeType() {
        return mimeType;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}
