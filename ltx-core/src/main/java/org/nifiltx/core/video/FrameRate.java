package org.nifiltx.core.video;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * A frame rate as an exact fraction. Containers store time as integer ticks, so 30000/1001 must stay a fraction: as a
 * double it would drift by a frame every few minutes once rounded to a millisecond timescale.
 *
 * @param numerator frames per {@code denominator} seconds, positive
 * @param denominator seconds per {@code numerator} frames, positive
 */
public record FrameRate(int numerator, int denominator) {
    /** How close a double must be to N or N*1000/1001 to be taken as that exact rate. */
    private static final double SNAP_TOLERANCE = 1e-4;

    public FrameRate {
        if (numerator <= 0 || denominator <= 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "frame rate must be a positive fraction, got "
                    + numerator + "/" + denominator);
        }
        final int divisor = greatestCommonDivisor(numerator, denominator);
        numerator /= divisor;
        denominator /= divisor;
    }

    /**
     * The exact fraction a double frame rate stands for: whole numbers become N/1, the NTSC family (23.976, 29.97,
     * 59.94, or the same computed as N*1000/1001) becomes N*1000/1001, anything else is kept to a thousandth.
     */
    public static FrameRate of(final double framesPerSecond) {
        if (!Double.isFinite(framesPerSecond) || framesPerSecond <= 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "frame rate must be a finite number > 0, got " + framesPerSecond);
        }
        if (framesPerSecond > 1000) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "frame rate must be at most 1000 frames per second, got " + framesPerSecond);
        }
        final long whole = Math.round(framesPerSecond);
        if (whole > 0 && Math.abs(framesPerSecond - whole) < 1e-6) {
            return new FrameRate((int) whole, 1);
        }
        final double ntsc = framesPerSecond * 1001.0 / 1000.0;
        final long ntscWhole = Math.round(ntsc);
        if (ntscWhole > 0 && Math.abs(ntsc - ntscWhole) < SNAP_TOLERANCE) {
            return new FrameRate((int) ntscWhole * 1000, 1001);
        }
        final long thousandths = Math.round(framesPerSecond * 1000.0);
        if (thousandths <= 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "frame rate must be at least 0.001 frames per second, got " + framesPerSecond);
        }
        return new FrameRate((int) thousandths, 1000);
    }

    public double value() {
        return (double) numerator / denominator;
    }

    @Override
    public String toString() {
        return denominator == 1 ? Integer.toString(numerator) : numerator + "/" + denominator;
    }

    private static int greatestCommonDivisor(final int a, final int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            final int remainder = x % y;
            x = y;
            y = remainder;
        }
        return x;
    }
}
