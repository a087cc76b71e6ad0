package org.nifiltx.cli;

import java.nio.file.Path;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import picocli.CommandLine.Option;

/** The options that choose how components run, shared by {@code ltx run}, {@code ltx generate} and {@code ltx bench}. */
final class BackendMixin {
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu (default), cuda or tensorrt")
    String backend;

    @Option(names = "--precision", defaultValue = "auto", description = "auto (default: int8 on CPUs with VNNI or AMX, "
            + "else fp32), fp32, int8, bf16 (bf16 weights in memory, fp32 compute) or fp8 (the transformer's block linears "
            + "as float8 Q/DQ pairs, activation ranges calibrated on the first call and cached: the TensorRT FP8 graph, "
            + "slower than fp32 on cpu, for measuring its error; auto never picks it) on cpu; bf16 or fp8 on GPU backends")
    String precision;

    @Option(names = "--threads", defaultValue = "0", description = "intra-op threads, 0 = one per core")
    int threads;

    @Option(names = "--cache-dir", description = "where int8 weights are kept between runs (default: "
            + BackendOptions.CACHE_FOLDER + " beside the model, or ~/.cache/nifi-ltx where that folder is not writable)")
    Path cacheDir;

    /** The options as the backend SPI takes them; every value is checked here, before any model is loaded. */
    BackendOptions options() {
        return options(null);
    }

    /** The options with the weight cache beside {@code model} (or the user cache) unless --cache-dir says otherwise. */
    BackendOptions options(final Path model) {
        if (threads < 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "threads must be 0 (one per core) or more, got " + threads);
        }
        return new BackendOptions(backend, Precision.parse(precision), threads, 0,
                cacheDir != null ? cacheDir : BackendOptions.defaultCacheDir(model));
    }
}
