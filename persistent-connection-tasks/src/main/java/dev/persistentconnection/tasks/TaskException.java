package dev.persistentconnection.tasks;

import java.io.Serial;

/**
 * A domain error of a task, carried over the wire as an ERROR frame with a one-byte error code.
 *
 * <p>On the server, a run function (or a {@link TaskHandler}) throws it to answer the client with an error while
 * keeping the connection open; any other exception is a serious failure that drops that client. On the client, the
 * task's future completes exceptionally with the {@code TaskException} the server sent.
 *
 * <p>Codes {@value #MAX_USER_CODE} and below are free for applications; codes above are reserved for the protocol
 * (see the constants).
 */
public class TaskException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The largest error code an application may use. */
    public static final int MAX_USER_CODE = 239;
    /** Reserved: the server's handler ran out of capacity (its executor rejected the task). */
    public static final int SERVER_BUSY = 251;
    /** Reserved: the server is disconnecting this client and takes no new task. */
    public static final int SERVER_CLOSING = 252;
    /** Reserved: the task was cancelled before it finished. */
    public static final int CANCELLED = 254;
    /** Reserved: no handler is registered for the task code. */
    public static final int UNKNOWN_TASK_CODE = 255;

    private final int errorCode;

    /**
     * @param errorCode 0 to {@value #MAX_USER_CODE}
     * @throws IllegalArgumentException if the code is outside the application range
     */
    public TaskException(int errorCode, String message) {
        this(errorCode, message, null);
    }

    /** Like {@link #TaskException(int, String)}, with the cause (which stays on the server). */
    public TaskException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        if (errorCode < 0 || errorCode > MAX_USER_CODE) {
            throw new IllegalArgumentException(
                    "error code " + errorCode + " is outside 0.." + MAX_USER_CODE + " (codes above are reserved)");
        }
        this.errorCode = errorCode;
    }

    /** For errors received from the wire, which may carry a reserved code. */
    TaskException(int errorCode, String message, boolean fromWire) {
        super(message);
        this.errorCode = errorCode & 0xFF;
    }

    /** The error code, 0 to 255. */
    public int errorCode() {
        return errorCode;
    }

    @Override
    public String toString() {
        return getClass().getName() + " [" + errorCode + "]: " + getMessage();
    }
}
