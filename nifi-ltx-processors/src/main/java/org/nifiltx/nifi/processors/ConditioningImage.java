package org.nifiltx.nifi.processors;

import org.apache.nifi.components.DescribedValue;

/** Whether GenerateLatents conditions the video on a conditioning_image EncodePrompt carried in the content. */
public enum ConditioningImage implements DescribedValue {
    USE_IF_PRESENT("Use If Present", "Image-to-video when the content holds a conditioning_image (EncodePrompt's Image Source "
            + "'FlowFile Content'), text-to-video otherwise."),
    IGNORE("Ignore", "Always text-to-video: a conditioning_image in the content is not used.");

    private final String displayName;
    private final String description;

    ConditioningImage(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
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
