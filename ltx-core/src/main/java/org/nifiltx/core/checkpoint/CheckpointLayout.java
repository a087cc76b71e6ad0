package org.nifiltx.core.checkpoint;

/** The two ways LTX-Video 0.9.x checkpoints are published. */
public enum CheckpointLayout {
    /** Lightricks' single file: transformer under {@code model.diffusion_model.}, VAE under {@code vae.}, config in metadata. */
    SINGLE_FILE,
    /** A diffusers pipeline folder: {@code model_index.json} plus one folder per component. */
    DIFFUSERS
}
