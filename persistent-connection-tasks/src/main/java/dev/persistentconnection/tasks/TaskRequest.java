package dev.persistentconnection.tasks;

import java.util.Map;
import java.util.Objects;

/** One TASK frame as seen by a {@link TaskHandler}. */
public final class TaskRequest {
    private final ConnectedClient client;
    private final int taskId;
    private final int code;
    private final byte[] payload;
    private final Map<String, String> metadata;
    private volatile Object runData;

    TaskRequest(ConnectedClient client, int taskId, int code, byte[] payload, Map<String, String> metadata) {
        this.metadata = metadata;
        this.client = Objects.requireNonNull(client);
        this.taskId = taskId;
        this.code = code;
        this.payload = payload;
    }

    /** The client that sent the task. */
    public ConnectedClient client() {
        return client;
    }

    /** The task id chosen by the client (an unsigned 32-bit value held in an int). */
    public int taskId() {
        return taskId;
    }

    /** The task code, 0 to {@link TaskServer#MAX_USER_TASK_CODE}. */
    public int code() {
        return code;
    }

    /** The request payload (the array is the handler's to keep). */
    public byte[] payload() {
        return payload;
    }

    /**
     * The task's metadata: small key/value pairs the client sent with it (for example a trace context), empty
     * when the client sent none.
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Publishes data about the running task, visible through {@link ConnectedClient#runData(int)} until the run
     * function returns.
     */
    public void attachRunData(Object data) {
        this.runData = data;
    }

    Object runData() {
        return runData;
    }
}
