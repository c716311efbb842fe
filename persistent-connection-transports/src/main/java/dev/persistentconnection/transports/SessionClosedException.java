package dev.persistentconnection.transports;

import java.io.IOException;
import java.io.Serial;

/**
 * Why a session closed without this side asking: its message says what happened ("closed by the peer: 1001
 * going away", "no pong within 5000 ms", "frame of 70000 bytes is over max-message-size 65536"). Pending and
 * later sends fail with it.
 */
public class SessionClosedException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A close described by {@code message}. */
    public SessionClosedException(String message) {
        super(message);
    }

    /** A close described by {@code message}, caused by {@code cause}. */
    public SessionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
