package org.nifiltx.core.pipeline;

/** Latent frames, rows and columns of one pass, and the pixel size they decode to. */
record LatentGrid(int frames, int height, int width, int pixelHeight, int pixelWidth) {
    int tokens() {
        return frames * height * width;
    }

    static LatentGrid of(final int numFrames, final int pixelHeight, final int pixelWidth, final int spatial, final int temporal) {
        return new LatentGrid((numFrames - 1) / temporal + 1, pixelHeight / spatial, pixelWidth / spatial, pixelHeight, pixelWidth);
    }
}
