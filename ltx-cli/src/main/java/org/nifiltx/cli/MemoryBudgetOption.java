package org.nifiltx.cli;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** {@code --memory-budget MB} of {@code ltx generate} and {@code ltx run vae-decode}, checked before any model loads. */
final class MemoryBudgetOption {
    /** The largest budget whose byte count a long holds. */
    static final long MAX_MB = Long.MAX_VALUE >> 20;

    private MemoryBudgetOption() {
    }

    /** The budget in bytes, or 0 (the default: half the physical memory) when the option was not given. */
    static long bytes(final Long megabytes) {
        if (megabytes == null) {
            return 0;
        }
        if (megabytes < 1) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--memory-budget must be at least 1 MB, got " + megabytes);
        }
        if (megabytes > MAX_MB) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--memory-budget must be at most " + MAX_MB + " MB, got "
                    + megabytes);
        }
        return megabytes << 20;
    }
}
