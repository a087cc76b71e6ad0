package org.nifiltx.core.tensor;

import java.util.Arrays;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * How close a tensor is to a reference of the same shape: the measures the precision quality gates and
 * {@code ltx bench} report for a lower-precision output against the fp32 graph on the same inputs. Sums are taken in
 * double; a NaN in either tensor makes every measure NaN.
 */
public final class TensorStats {
    /** The three measures at once. */
    public record Comparison(double cosine, double maxRelativeError, double maxAbsError) {
    }

    private TensorStats() {
    }

    /**
     * Cosine similarity {@code a·b / (|a| |b|)} in [-1, 1]: 1 for parallel, 0 for orthogonal tensors. Two all-zero
     * tensors count as identical (1); exactly one all-zero tensor as unrelated (0).
     */
    public static double cosine(final float[] a, final float[] b) {
        requireSameLength(a, b);
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (Double.isNaN(dot) || Double.isNaN(normA) || Double.isNaN(normB)) {
            return Double.NaN;
        }
        if (normA == 0 || normB == 0) {
            return normA == normB ? 1.0 : 0.0;
        }
        return Math.max(-1.0, Math.min(1.0, dot / (Math.sqrt(normA) * Math.sqrt(normB))));
    }

    /**
     * {@code max|a − b| / max|b|}, with {@code b} the reference: the relative error the fixtures' tolerances are
     * stated in. A zero reference gives 0 when {@code a} equals it and infinity otherwise.
     */
    public static double maxRelativeError(final float[] a, final float[] reference) {
        final double maxAbs = maxAbsError(a, reference);
        final double scale = maxAbs(reference);
        if (Double.isNaN(maxAbs) || Double.isNaN(scale)) {
            return Double.NaN;
        }
        if (scale == 0) {
            return maxAbs == 0 ? 0.0 : Double.POSITIVE_INFINITY;
        }
        return maxAbs / scale;
    }

    /** {@code max|a − b|}. */
    public static double maxAbsError(final float[] a, final float[] b) {
        requireSameLength(a, b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            final double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    /** {@code max|a|}. */
    public static double maxAbs(final float[] a) {
        double max = 0;
        for (final float v : a) {
            if (Float.isNaN(v)) {
                return Double.NaN;
            }
            max = Math.max(max, Math.abs((double) v));
        }
        return max;
    }

    public static double cosine(final Tensor a, final Tensor b) {
        requireSameShape(a, b);
        return cosine(a.toFloatArray(), b.toFloatArray());
    }

    public static double maxRelativeError(final Tensor a, final Tensor reference) {
        requireSameShape(a, reference);
        return maxRelativeError(a.toFloatArray(), reference.toFloatArray());
    }

    /**
     * Peak signal-to-noise ratio in dB of {@code a} against {@code reference} over the whole tensor, for values on a
     * 0..{@code peak} scale (255 for uint8 frames); identical tensors give positive infinity.
     */
    public static double psnr(final Tensor a, final Tensor reference, final double peak) {
        requireSameShape(a, reference);
        final float[] x = a.toFloatArray();
        final float[] y = reference.toFloatArray();
        double squared = 0;
        for (int i = 0; i < x.length; i++) {
            final double d = (double) x[i] - y[i];
            squared += d * d;
        }
        final double mse = squared / Math.max(1, x.length);
        return mse == 0 ? Double.POSITIVE_INFINITY : 10.0 * Math.log10(peak * peak / mse);
    }

    /** Cosine, max relative and max absolute error of {@code a} against {@code reference} (same shape, any float dtype). */
    public static Comparison compare(final Tensor a, final Tensor reference) {
        requireSameShape(a, reference);
        final float[] x = a.toFloatArray();
        final float[] y = reference.toFloatArray();
        return new Comparison(cosine(x, y), maxRelativeError(x, y), maxAbsError(x, y));
    }

    private static void requireSameShape(final Tensor a, final Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "cannot compare tensors of shapes " + Tensor.shapeString(a.shape())
                    + " and " + Tensor.shapeString(b.shape()));
        }
    }

    private static void requireSameLength(final float[] a, final float[] b) {
        if (a.length != b.length) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR, "cannot compare tensors of " + a.length + " and " + b.length
                    + " values");
        }
    }
}
