package org.nifiltx.core.error;

/**
 * The one exception type of nifi-ltx. The message is meant for a person: it names the rule, the value found and what
 * is allowed, so a CLI can print it as its single error line and a processor can put it in {@code ltx.error}.
 */
public final class LtxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final LtxErrorCode code;

    public LtxException(final LtxErrorCode code, final String message) {
        super(message);
        this.code = code;
    }

    public LtxException(final LtxErrorCode code, final String message, final Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public LtxErrorCode code() {
        return code;
    }
}
