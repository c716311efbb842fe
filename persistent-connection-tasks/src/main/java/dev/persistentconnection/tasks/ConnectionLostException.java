package dev.persistentconnection.tasks;

import java.io.IOException;
import java.io.Serial;

/**
 * The connection a task was submitted on closed (for any reason: peer gone, heartbeat timeout, server stop, local
 * close, graceful disconnect) before the task's final answer arrived. Every pending task of a {@link TaskClient}
 * completes with it when the connection drops, so no future waits forever.
 */
public class ConnectionLostException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A lost connection, described by {@code message}. */
    public ConnectionLostException(String message) {
        super(message);
    }

    /** A lost connection, described by {@code message}, because of {@code cause}. */
    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
