package dev.persistentconnection.spring.client;

import dev.persistentconnection.ConnectionState;
import java.io.Serial;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A typed call's deadline passed, either while it waited for the connection or while the server worked on it.
 * Says why: the connection's phase, its last error, its consecutive failures and when its next attempt is due.
 */
public class TaskDeadlineExceededException extends TaskCallException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Where the call was when its deadline passed. */
    public enum Stage {
        /** No connection yet: the call never reached the server. */
        WAITING_FOR_CONNECTION,
        /** Sent; the server had not answered (the task is cancelled). */
        WAITING_FOR_ANSWER
    }

    private final Duration deadline;
    private final Stage stage;
    private final ConnectionState.Phase phase;
    private final transient @Nullable Throwable lastError;
    private final int consecutiveFailures;
    private final transient @Nullable Instant nextAttemptAt;

    public TaskDeadlineExceededException(
            String connection,
            int code,
            Duration deadline,
            Stage stage,
            ConnectionState state,
            @Nullable Instant nextAttemptAt) {
        super(
                connection,
                code,
                message(connection, code, deadline, stage, state, nextAttemptAt),
                state.lastError().orElse(null));
        this.deadline = deadline;
        this.stage = stage;
        this.phase = state.phase();
        this.lastError = state.lastError().orElse(null);
        this.consecutiveFailures = state.consecutiveFailures();
        this.nextAttemptAt = nextAttemptAt;
    }

    private static String message(
            String connection,
            int code,
            Duration deadline,
            Stage stage,
            ConnectionState state,
            @Nullable Instant nextAttemptAt) {
        StringBuilder message = new StringBuilder("task code ")
                .append(code)
                .append(" on '")
                .append(connection)
                .append("': deadline of ")
                .append(deadline.toMillis())
                .append(" ms exceeded ")
                .append(stage == Stage.WAITING_FOR_CONNECTION ? "waiting for the connection" : "waiting for the answer")
                .append("; connection ")
                .append(state.phase());
        state.lastError().ifPresent(error -> message.append(", last error: ").append(error));
        message.append(", consecutive failures: ").append(state.consecutiveFailures());
        if (nextAttemptAt != null) {
            message.append(", next attempt at ").append(nextAttemptAt);
        }
        return message.toString();
    }

    /** The deadline the call had. */
    public Duration deadline() {
        return deadline;
    }

    /** Whether the call was still waiting for the connection, or for the answer. */
    public Stage stage() {
        return stage;
    }

    /** The connection's phase at the deadline. */
    public ConnectionState.Phase phase() {
        return phase;
    }

    /** The error of the connection's last failed attempt, if the last attempt failed. */
    public Optional<Throwable> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** The connection's failed attempts since its last successful one. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** When the connection's next attempt is due, when it is waiting to retry. */
    public Optional<Instant> nextAttemptAt() {
        return Optional.ofNullable(nextAttemptAt);
    }
}
