package dev.persistentconnection.spring.client;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * A typed call that did not get its answer: the connection was lost, the answer did not decode, or (subclasses)
 * the server answered with an error code or the deadline passed.
 */
public class TaskCallException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String connection;

    private final int code;

    public TaskCallException(String connection, int code, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.connection = connection;
        this.code = code;
    }

    /** The name of the connection the call went to. */
    public String connection() {
        return connection;
    }

    /** The task code of the call. */
    public int code() {
        return code;
    }
}
