package org.nifiltx.nifi.processors;

import org.apache.nifi.components.DescribedValue;

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

    public String extension() {
        return extension;
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
