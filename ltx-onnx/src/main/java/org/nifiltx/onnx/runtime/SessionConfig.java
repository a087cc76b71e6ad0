package org.nifiltx.onnx.runtime;

/**
 * How a session runs.
 *
 * @param provider       execution provider; CUDA fails with a clear error where it is absent
 * @param deviceId       CUDA device ordinal
 * @param intraOpThreads threads for one operator; 0 lets ONNX Runtime use one per physical core
 * @param fullOptimization ORT_ENABLE_ALL (fusions, constant folding of weight transposes) rather than basic only
 */
public record SessionConfig(ExecutionProvider provider, int deviceId, int intraOpThreads, boolean fullOptimization) {
    public static SessionConfig cpu() {
        return new SessionConfig(ExecutionProvider.CPU, 0, 0, true);
    }

    public static SessionConfig cuda(final int deviceId) {
        return new SessionConfig(ExecutionProvider.CUDA, deviceId, 0, true);
    }
}
