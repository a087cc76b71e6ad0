package org.nifiltx.onnx.quality;

import org.nifiltx.core.tensor.Tensor;

/** Cosine similarity and max relative error of a tensor against a reference (float64 accumulation). */
final class Stats {
    private Stats() {
    }

    static double cosine(final Tensor reference, final Tensor actual) {
        final float[] a = reference.toFloatArray();
        final float[] b = actual.toFloatArray();
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double maxRelativeError(final Tensor reference, final Tensor actual) {
        final float[] a = reference.toFloatArray();
        final float[] b = actual.toFloatArray();
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - b[i]));
            maxRef = Math.max(maxRef, Math.abs(a[i]));
        }
        return maxDiff / maxRef;
    }
}
