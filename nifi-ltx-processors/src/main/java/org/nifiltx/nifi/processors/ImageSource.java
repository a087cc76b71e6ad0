package org.nifiltx.nifi.processors;

import org.apache.nifi.components.DescribedValue;

/** Where EncodePrompt finds the image that conditions an image-to-video generation. */
public enum ImageSource implements DescribedValue {
    NONE("None", "Text-to-video: the incoming content is not read."),
    FLOWFILE_CONTENT("FlowFile Content", "Image-to-video: the incoming content is a PNG or JPEG image, carried on as the "
            + "conditioning_image tensor next to the prompt embeddings.");

    private final String displayName;
    private final String description;

    ImageSource(final String displayName, final String description) {
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
