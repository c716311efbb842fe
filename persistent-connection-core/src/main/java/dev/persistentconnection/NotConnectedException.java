package dev.persistentconnection;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * There was no connection by the deadline, and this says why: what the engine was doing, the last error (as the
 * cause), how many attempts in a row had failed, when the last one started and when the next one is due. It is what
 * {@link PersistentConnection#connectedWithin(Duration)} fails with, and what any call that needs a connection by a
 * deadline can throw from a {@link ConnectionState}.
 */
public final class NotConnectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ConnectionState state;
    private final Duration waited;

    /**
     * @param state  the state at the deadline; its last error becomes the cause
     * @param waited how long the caller waited
     */
    public NotConnectedException(ConnectionState state, Duration waited) {
        super(
                describe(Objects.requireNonNull(state, "state"), Objects.requireNonNull(waited, "waited")),
                state.lastError().orElse(null),
                false,
                true);
        this.state = state;
        this.waited = waited;
    }

    /** The name of the server that was not connected. */
    public String serverName() {
        return state.serverName();
    }

    /** What the engine was doing at the deadline. */
    public ConnectionState.Phase phase() {
        return state.phase();
    }

    /** Failed attempts in a row at the deadline. */
    public int consecutiveFailures() {
        return state.consecutiveFailures();
    }

    /** When the last attempt started; absent if none had. */
    public Optional<Instant> lastAttemptAt() {
        return state.lastAttemptAt();
    }

    /** When the next attempt was due; absent while an attempt was under way or once closed. */
    public Optional<Instant> nextAttemptAt() {
        return state.nextAttemptAt();
    }

    /** How long the caller waited. */
    public Duration waited() {
        return waited;
    }

    /** The whole state at the deadline. */
    public ConnectionState state() {
        return state;
    }

    private static String describe(ConnectionState state, Duration waited) {
        StringBuilder message = new StringBuilder("not connected to ")
                .append(state.serverName())
                .append(" within ")
                .append(waited)
                .append(": ")
                .append(state.phase());
        message.append(", ")
                .append(state.consecutiveFailures())
                .append(" consecutive failed attempt")
                .append(state.consecutiveFailures() == 1 ? "" : "s");
        state.lastAttemptAt()
                .ifPresent(at -> message.append(", last attempt at ").append(at));
        state.nextAttemptAt()
                .ifPresent(at -> message.append(", next attempt at ").append(at));
        state.lastError().ifPresent(error -> message.append(", last error: ").append(error));
        return message.toString();
    }
}
