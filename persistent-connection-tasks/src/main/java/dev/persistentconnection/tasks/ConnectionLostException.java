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

    /**
     * One exception for all the tasks of a connection that closed, without a stack trace: it would only ever show
     * the event loop noticing the close, and filling it in is most of the cost of closing an idle connection.
     */
    static ConnectionLostException withoutStackTrace(String message) {
        return new WithoutStackTrace(message);
    }

    private static final class WithoutStackTrace extends ConnectionLostException {
        @Serial
        private static final long serialVersionUID = 1L;

        WithoutStackTrace(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }

        @Override
        public String toString() {
            return ConnectionLostException.class.getName() + ": " + getMessage();
        }
    }
}
