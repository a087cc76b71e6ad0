package org.nifiltx.core.pipeline;

import java.util.Random;
import org.nifiltx.core.tensor.Tensor;

/**
 * Standard-normal noise from {@link Random#nextGaussian()}, whose algorithm (Marsaglia's polar method over the
 * 48-bit linear congruential generator, with {@link StrictMath}) is fixed by the Java specification: the same seed
 * gives the same tensors on every JVM and machine. Each named draw uses its own generator seeded from the seed and the
 * name, so adding a draw never shifts the others.
 */
public final class SeededNoise implements NoiseSource {
    private final long seed;

    public SeededNoise(final long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    @Override
    public Tensor draw(final String name, final long[] shape) {
        final Random random = new Random(seed * 31 + name.hashCode());
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(shape, values);
    }
}
