package org.nifiltx.onnx.runtime;

/**
 * How a session runs.
 *
 * @param provider       execution provider; CUDA fails with a clear error where it is absent
 * @param deviceId       CUDA device ordinal
 * @param intraOpThreads threads for one operator; 0 lets ONNX Runtime use one per physical core
 * @param fullOptimization ORT_ENABLE_ALL (fusions, constant folding of weight transposes) rather than basic only
 * @param profilePrefix  when not null, ONNX Runtime writes a per-operator profile (JSON) starting with this path
 * @param narrowWeights  keep bf16/fp16/fp8 initializers narrow in memory: ONNX Runtime's constant folding would
 *                       otherwise replace each {@code Cast(weight)} by a float32 copy at session creation (bf16 mode)
 * @param memoryPattern  ONNX Runtime's memory pattern: from the second run of an input shape on, one block of the
 *                       planned peak is allocated per run. Off where a session runs many shapes in turn (the tiles of
 *                       a VAE decode): each new block then extends the CPU arena rather than reusing its free chunks
 * @param keepQdq        leave QuantizeLinear/DequantizeLinear pairs as the graph has them (fp8 mode): ONNX Runtime's
 *                       QDQ fusions assume int8 and turn an fp8 DequantizeLinear→MatMul into MatMulIntegerToFloat,
 *                       which rejects float8 inputs
 * @param prepack        let ONNX Runtime repack every constant weight into its kernels' layout when the session is
 *                       created (a second, anonymous copy of each weight) rather than per call. Worth it for a model
 *                       run many times (the transformer, every step); not for one run once (a T5 opened for one
 *                       prompt), whose weights then stay file pages of the mapped cache or checkpoint
 */
public record SessionConfig(ExecutionProvider provider, int deviceId, int intraOpThreads, boolean fullOptimization,
        String profilePrefix, boolean narrowWeights, boolean memoryPattern, boolean keepQdq, boolean prepack) {
    public SessionConfig(final ExecutionProvider provider, final int deviceId, final int intraOpThreads, final boolean fullOptimization) {
        this(provider, deviceId, intraOpThreads, fullOptimization, null, false, true, false, true);
    }

    /** The same configuration with ONNX Runtime's operator profiler on (benchmarks only: it slows every run). */
    public SessionConfig withProfiling(final String prefix) {
        return new SessionConfig(provider, deviceId, intraOpThreads, fullOptimization, prefix, narrowWeights, memoryPattern, keepQdq, prepack);
    }

    /** The same configuration keeping narrow weights narrow (see {@code narrowWeights}). */
    public SessionConfig withNarrowWeights(final boolean narrow) {
        return new SessionConfig(provider, deviceId, intraOpThreads, fullOptimization, profilePrefix, narrow, memoryPattern, keepQdq, prepack);
    }

    /** The same configuration without ONNX Runtime's memory pattern (see {@code memoryPattern}). */
    public SessionConfig withoutMemoryPattern() {
        return new SessionConfig(provider, deviceId, intraOpThreads, fullOptimization, profilePrefix, narrowWeights, false, keepQdq, prepack);
    }

    /** The same configuration leaving Q/DQ pairs unfused (see {@code keepQdq}). */
    public SessionConfig withKeepQdq(final boolean keep) {
        return new SessionConfig(provider, deviceId, intraOpThreads, fullOptimization, profilePrefix, narrowWeights, memoryPattern, keep, prepack);
    }

    /** The same configuration without creation-time weight packing (see {@code prepack}). */
    public SessionConfig withoutPrepacking() {
        return new SessionConfig(provider, deviceId, intraOpThreads, fullOptimization, profilePrefix, narrowWeights, memoryPattern,
                keepQdq, false);
    }

    public static SessionConfig cpu() {
        return new SessionConfig(ExecutionProvider.CPU, 0, 0, true);
    }

    public static SessionConfig cuda(final int deviceId) {
        return new SessionConfig(ExecutionProvider.CUDA, deviceId, 0, true);
    }
}
