package org.nifiltx.core.backend;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Compute precision a backend is asked for. CPU computes in fp32; bf16 and fp8 are GPU precisions. */
public enum Precision {
    FP32,
    BF16,
    FP8;

    public static Precision parse(final String text) {
        for (final Precision p : values()) {
            if (p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "unknown precision '" + text + "' (expected fp32, bf16 or fp8)");
    }
}
