package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Every error code maps to the exit status the README documents. */
class ExitCodeTest {
    private static int code(final LtxErrorCode code) {
        return LtxCommand.exitCode(new LtxException(code, "x"));
    }

    @Test
    void documentedExitCodes() {
        assertEquals(2, code(LtxErrorCode.INVALID_ARGUMENT));
        assertEquals(2, code(LtxErrorCode.INVALID_TENSOR));
        assertEquals(2, code(LtxErrorCode.NON_FINITE));
        assertEquals(3, code(LtxErrorCode.FILE_NOT_FOUND));
        assertEquals(4, code(LtxErrorCode.CORRUPT_FILE));
        assertEquals(4, code(LtxErrorCode.CHECKPOINT_MISMATCH));
        assertEquals(5, code(LtxErrorCode.BACKEND_UNAVAILABLE));
        assertEquals(5, code(LtxErrorCode.BACKEND_FAILURE));
        assertEquals(5, code(LtxErrorCode.UNSUPPORTED));
        assertEquals(6, code(LtxErrorCode.OUT_OF_MEMORY));
        assertEquals(7, code(LtxErrorCode.WRITE_FAILED));
        assertEquals(130, code(LtxErrorCode.CANCELLED));
        assertEquals(1, LtxCommand.exitCode(new IllegalStateException("bug")));
    }
}
