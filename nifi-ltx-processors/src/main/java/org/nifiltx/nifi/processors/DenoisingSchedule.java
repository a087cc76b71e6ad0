package org.nifiltx.nifi.processors;

import org.apache.nifi.components.DescribedValue;

/** How GenerateLatents' (first) pass picks its flow times; the other property of the pair is hidden. */
public enum DenoisingSchedule implements DescribedValue {
    TIMESTEPS("Timesteps", "An explicit list of flow times, one denoising step each (the distilled models' 7 by default)."),
    STEPS("Steps", "A number of steps on the checkpoint's scheduler (the non-distilled models, e.g. 30 or 40).");

    private final String displayName;
    private final String description;

    DenoisingSchedule(final String displayName, final String description) {
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
