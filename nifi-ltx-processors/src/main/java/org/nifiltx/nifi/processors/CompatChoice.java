package org.nifiltx.nifi.processors;

import org.apache.nifi.components.DescribedValue;
import org.nifiltx.core.pipeline.Compat;

/** The reference pipeline whose semantics a stage follows; each value is a {@link Compat} name. */
public enum CompatChoice implements DescribedValue {
    OFFICIAL(Compat.OFFICIAL, "Official", "Lightricks' LTX-Video pipeline: T5 with its mask, causal positions for 0.9.5+, "
            + "decode noise in normalised space, frames truncated to uint8."),
    DIFFUSERS(Compat.DIFFUSERS, "Diffusers", "diffusers LTXPipeline / LTXImageToVideoPipeline: T5 without its mask, grid "
            + "positions, decode noise in raw latent space, frames rounded to uint8.");

    private final Compat compat;
    private final String displayName;
    private final String description;

    CompatChoice(final Compat compat, final String displayName, final String description) {
        this.compat = compat;
        this.displayName = displayName;
        this.description = description;
    }

    public Compat compat() {
        return compat;
    }

    @Override
    public String getValue() {
        return compat.name();
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
