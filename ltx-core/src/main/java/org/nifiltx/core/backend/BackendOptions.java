package org.nifiltx.core.backend;

/**
 * How to run components.
 *
 * @param backend   backend name: {@code cpu}, {@code cuda} or {@code tensorrt}
 * @param precision compute precision
 * @param threads   intra-op threads, 0 for one per core
 * @param deviceId  GPU ordinal for GPU backends
 */
public record BackendOptions(String backend, Precision precision, int threads, int deviceId) {
    public static BackendOptions cpu() {
        return new BackendOptions("cpu", Precision.FP32, 0, 0);
    }
}
