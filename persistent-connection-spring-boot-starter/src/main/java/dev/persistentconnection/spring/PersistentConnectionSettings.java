package dev.persistentconnection.spring;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The effective, validated settings of one named connection: {@code persistent-connection.defaults} overlaid with
 * {@code persistent-connection.connections.<name>}. Custom connectors read their connect timeout, heartbeat and TLS
 * bundle from here.
 * <p>
 * An interface with defaults, as Spring Boot's {@code ConnectionDetails}: a setting added later is one more default
 * method (or one more component of a nested group), so code that implements or reads these settings keeps
 * compiling. The default methods give the built-in defaults, the values of every property nobody sets; they are
 * defined here and nowhere else. Groups of properties are nested values that mirror the property tree:
 * {@code backoff.multiplier} is {@code backoff().multiplier()}.
 */
public interface PersistentConnectionSettings {

    /** The connection's name (the key under {@code persistent-connection.connections}). */
    String name();

    /** The server name given to the engine, used in logs, events, health and metrics; defaults to the name. */
    default String serverName() {
        return name();
    }

    /** The configured addresses, unresolved, in round-robin order (empty when none is configured). */
    default List<InetSocketAddress> addresses() {
        return List.of();
    }

    /** The base retry delay (10 s). */
    default Duration retryDelay() {
        return Duration.ofSeconds(10);
    }

    /** The jitter fraction in [0, 1) (0.3). */
    default double jitter() {
        return 0.3;
    }

    /** The connect timeout of one attempt (10 s). */
    default Duration connectTimeout() {
        return Duration.ofSeconds(10);
    }

    /** The exponential back-off of the retry delay ({@link Backoff#NONE} by default). */
    default Backoff backoff() {
        return Backoff.NONE;
    }

    /** The random wait, uniform in [0, this], before the reconnect after a long-lived connection drops (0). */
    default Duration reconnectJitter() {
        return Duration.ZERO;
    }

    /** How health maps the connection's state to a status ({@link Health#DEFAULT}). */
    default Health health() {
        return Health.DEFAULT;
    }

    /** How many recent events the actuator endpoint keeps for this connection (20). */
    default int eventHistorySize() {
        return 20;
    }

    /** How often a connection that keeps failing logs one INFO line about it (5 min). */
    default Duration stillFailingLogInterval() {
        return Duration.ofMinutes(5);
    }

    /** The heartbeat of an established connection (built-in connector). */
    default Heartbeat heartbeat() {
        return Heartbeat.DEFAULT;
    }

    /** The SSL bundle name, or {@code null} for plain TCP. */
    default @Nullable String sslBundle() {
        return null;
    }

    /** The discovery service id, or {@code null} to use {@link #addresses()}. */
    default @Nullable String discoveryServiceId() {
        return null;
    }

    /**
     * The built-in connector the properties ask for: the task protocol ({@code addresses} alone), a WebSocket
     * ({@code websocket.*}) or plain TCP ({@code tcp.*}); the last two need persistent-connection-transports.
     */
    default Transport transport() {
        return Transport.TASKS;
    }

    /** The property prefix of this connection, e.g. {@code persistent-connection.connections.orders}. */
    default String propertyPrefix() {
        return propertyPrefix(name());
    }

    /** The property prefix of a connection name (bracketed when the name needs it). */
    static String propertyPrefix(String name) {
        boolean plain = name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-');
        return "persistent-connection.connections" + (plain ? "." + name : "[" + name + "]");
    }

    /** Settings with every built-in default, for a connection named {@code name} (handy in tests). */
    static PersistentConnectionSettings of(String name) {
        Objects.requireNonNull(name, "name");
        return () -> name;
    }

    /** The built-in connectors of the zero-code path. */
    enum Transport {
        /** The task protocol of persistent-connection-tasks. */
        TASKS,
        /** A WebSocket, from {@code websocket.*}. */
        WEBSOCKET,
        /** Plain TCP, from {@code tcp.*}. */
        TCP
    }

    /**
     * Exponential back-off: the n-th consecutive failure waits {@code retry-delay x multiplier^n}, at most
     * {@code maxDelay}.
     *
     * @param multiplier the factor per consecutive failure, at least 1 (1 = no back-off)
     * @param maxDelay the upper bound of the backed-off delay
     * @param resetAfter how long a connection must stay up for the back-off to start again from the retry delay
     */
    record Backoff(double multiplier, Duration maxDelay, Duration resetAfter, Strategy strategy) {

        /** No back-off: multiplier 1, max-delay 5 min, reset-after 1 min (the built-in defaults). */
        public static final Backoff NONE = new Backoff(1.0, Duration.ofMinutes(5), Duration.ofMinutes(1));

        public Backoff {
            Objects.requireNonNull(maxDelay, "maxDelay");
            Objects.requireNonNull(resetAfter, "resetAfter");
            Objects.requireNonNull(strategy, "strategy");
        }

        /** An exponential back-off. */
        public Backoff(double multiplier, Duration maxDelay, Duration resetAfter) {
            this(multiplier, maxDelay, resetAfter, Strategy.EXPONENTIAL);
        }

        /** How the delay grows. */
        public enum Strategy {
            /** {@code retry-delay x multiplier^n}, at most {@code max-delay}. */
            EXPONENTIAL,
            /** Each delay uniform in {@code [retry-delay, 3 x previous]}, at most {@code max-delay}. */
            DECORRELATED_JITTER
        }
    }

    /**
     * How the health indicator maps the connection's state to a status.
     *
     * @param downAfter a connection that was up stays UP for this long while it reconnects
     * @param statusWhileRetrying the status while retrying, {@code DOWN} or {@code OUT_OF_SERVICE}
     * @param required false: UNKNOWN instead of any unhealthy status, so the application never goes DOWN for it
     */
    record Health(Duration downAfter, String statusWhileRetrying, boolean required) {

        /** No grace, DOWN while retrying, required (the built-in defaults). */
        public static final Health DEFAULT = new Health(Duration.ZERO, "DOWN", true);

        public Health {
            Objects.requireNonNull(downAfter, "downAfter");
            Objects.requireNonNull(statusWhileRetrying, "statusWhileRetrying");
        }
    }

    /**
     * Heartbeats of an established connection (built-in connector).
     *
     * @param interval quiet time after which the client sends a heartbeat
     * @param timeout silence from the server after which the connection is considered dead
     */
    record Heartbeat(Duration interval, Duration timeout) {

        /** Interval 10 s, timeout 30 s (the built-in defaults). */
        public static final Heartbeat DEFAULT = new Heartbeat(Duration.ofSeconds(10), Duration.ofSeconds(30));

        public Heartbeat {
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(timeout, "timeout");
        }
    }
}
