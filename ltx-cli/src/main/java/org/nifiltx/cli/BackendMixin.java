package org.nifiltx.cli;

import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import picocli.CommandLine.Option;

/** The options that choose how components run, shared by {@code ltx run} and {@code ltx generate}. */
final class BackendMixin {
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu (default), cuda or tensorrt")
    String backend;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 (default), bf16 or fp8 (GPU backends)")
    String precision;

    @Option(names = "--threads", defaultValue = "0", description = "intra-op threads, 0 = one per core")
    int threads;

    /** The options as the backend SPI takes them; every value is checked here, before any model is loaded. */
    BackendOptions options() {
        if (threads < 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "threads must be 0 (one per core) or more, got " + threads);
        }
        return new BackendOptions(backend, Precision.parse(precision), threads, 0);
    }
}
