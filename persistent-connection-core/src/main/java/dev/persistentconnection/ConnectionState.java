package dev.persistentconnection;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a persistent connection for health indicators, endpoints, metrics and error messages (not in the
 * reference). Every time in it is read from the connection's {@link TimeSource}, so it is virtual under
 * {@link VirtualTimeSource}.
 *
 * @param serverName          the name given to the builder
 * @param phase               what the engine is doing
 * @param address             the last address the supplier gave, kept across cycles
 * @param lastError           the error of the last failed attempt, cleared by a successful one
 * @param consecutiveFailures failed attempts since the last successful one
 * @param since               when the phase began
 * @param lastAttemptAt       when the last attempt started; absent before the first one
 * @param nextAttemptAt       when the next attempt is due: present only while waiting to retry or after a
 *                            disconnection ({@link Phase#WAITING_TO_RETRY}, {@link Phase#DISCONNECTED}); a time in
 *                            the past means as soon as the event handler is done
 * @param outageSince         when the current outage began: at the disconnection of a connection, or at the first
 *                            failed attempt of a connection that was never up; absent while connected, before the
 *                            first failure and once closed
 * @param at                  when this snapshot was taken
 */
public record ConnectionState(
        String serverName,
        Phase phase,
        Optional<Object> address,
        Optional<Throwable> lastError,
        int consecutiveFailures,
        Instant since,
        Optional<Instant> lastAttemptAt,
        Optional<Instant> nextAttemptAt,
        Optional<Instant> outageSince,
        Instant at) {

    public ConnectionState {
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Objects.requireNonNull(outageSince, "outageSince");
        Objects.requireNonNull(at, "at");
    }

    /** How long the current outage has lasted when the snapshot was taken; absent when there is none. */
    public Optional<Duration> outageDuration() {
        return outageSince.map(start -> Duration.between(start, at));
    }

    /** How long until the next attempt is due, never negative; absent when no attempt is waiting. */
    public Optional<Duration> untilNextAttempt() {
        return nextAttemptAt.map(next -> next.isAfter(at) ? Duration.between(at, next) : Duration.ZERO);
    }

    /** The same state, taken at {@code now}. */
    ConnectionState at(Instant now) {
        return now.equals(at)
                ? this
                : new ConnectionState(
                        serverName,
                        phase,
                        address,
                        lastError,
                        consecutiveFailures,
                        since,
                        lastAttemptAt,
                        nextAttemptAt,
                        outageSince,
                        now);
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
