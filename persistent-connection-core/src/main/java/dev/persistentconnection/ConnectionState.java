package dev.persistentconnection;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a persistent connection for health indicators, endpoints and metrics (not in the reference).
 *
 * @param serverName          the name given to the builder
 * @param phase               what the engine is doing
 * @param address             the last address the supplier gave, kept across cycles
 * @param lastError           the error of the last failed attempt, cleared by a successful one
 * @param consecutiveFailures failed attempts since the last successful one
 * @param since               when the phase began, read from the connection's {@link TimeSource}
 */
public record ConnectionState(
        String serverName,
        Phase phase,
        Optional<Object> address,
        Optional<Throwable> lastError,
        int consecutiveFailures,
        Instant since) {

    public ConnectionState {
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(since, "since");
    }

    /** What the engine is doing. */
    public enum Phase {
        /** An attempt is under way: looking up the address, connecting, or handling an attempt's events. */
        CONNECTING,
        /** A connection is current. */
        CONNECTED,
        /** The last attempt failed; the next one starts when the retry delay is over. */
        WAITING_TO_RETRY,
        /** The connection of the last cycle has closed; the next cycle starts when the retry delay is over. */
        DISCONNECTED,
        /** Closed or aborted: the engine will not connect again. */
        CLOSED
    }
}
