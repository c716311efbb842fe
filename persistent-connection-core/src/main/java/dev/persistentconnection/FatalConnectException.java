package dev.persistentconnection;

import java.io.Serial;

/**
 * A connect failure that retrying cannot fix, as opposed to a retryable one: a connector
 * or address supplier that fails with it aborts the persistent connection with this error, exactly like
 * {@link ConnectContext#abort}.
 */
public class FatalConnectException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A fatal failure described by {@code message}. */
    public FatalConnectException(String message) {
        super(message);
    }

    /** A fatal failure described by {@code message}, caused by {@code cause}. */
    public FatalConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
