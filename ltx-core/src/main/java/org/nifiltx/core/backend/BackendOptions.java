package org.nifiltx.core.backend;

import java.nio.file.Path;

/**
 * How to run components.
 *
 * @param backend   backend name: {@code cpu}, {@code cuda} or {@code tensorrt}
 * @param precision compute precision ({@code AUTO} is resolved by the backend from the CPU it runs on)
 * @param threads   intra-op threads, 0 for one per core
 * @param deviceId  GPU ordinal for GPU backends
 * @param cacheDir  where reduced-precision weights (int8, bf16) are kept between runs; null: made at every load
 */
public record BackendOptions(String backend, Precision precision, int threads, int deviceId, Path cacheDir) {
    public BackendOptions(final String backend, final Precision precision, final int threads, final int deviceId) {
        this(backend, precision, threads, deviceId, null);
    }

    public static BackendOptions cpu() {
        return new BackendOptions("cpu", Precision.FP32, 0, 0);
    }

    public BackendOptions withPrecision(final Precision newPrecision) {
        return new BackendOptions(backend, newPrecision, threads, deviceId, cacheDir);
    }

    public BackendOptions withCacheDir(final Path newCacheDir) {
        return new BackendOptions(backend, precision, threads, deviceId, newCacheDir);
    }
}
