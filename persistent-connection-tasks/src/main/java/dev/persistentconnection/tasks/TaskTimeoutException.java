package dev.persistentconnection.tasks;

import java.io.Serial;
import java.util.concurrent.TimeoutException;

/** A task got no final answer within its timeout; the client has sent CANCEL for it. */
public class TaskTimeoutException extends TimeoutException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A task that got no answer in time, described by {@code message}. */
    public TaskTimeoutException(String message) {
        super(message);
    }
}
