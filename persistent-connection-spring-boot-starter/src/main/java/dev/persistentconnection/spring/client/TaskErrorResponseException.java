package dev.persistentconnection.spring.client;

import dev.persistentconnection.tasks.TaskException;
import java.io.Serial;

/** The server answered a typed call with an error code (the cause is the {@link TaskException} it sent). */
public class TaskErrorResponseException extends TaskCallException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final int errorCode;

    public TaskErrorResponseException(String connection, int code, TaskException cause) {
        super(
                connection,
                code,
                "task code " + code + " on '" + connection + "' failed with error code " + cause.errorCode() + ": "
                        + cause.getMessage(),
                cause);
        this.errorCode = cause.errorCode();
    }

    /** The error code, 0 to 255 (above {@value TaskException#MAX_USER_CODE}: the protocol's own). */
    public int errorCode() {
        return errorCode;
    }
}
