package dev.persistentconnection.spring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one managed connection, kept without any metrics library (the Micrometer binder reads them).
 * Every attempt is counted here, also the ones whose {@code FailedToConnect} event the engine de-duplicates.
 */
public final class ConnectionStatistics {

    private final LongAdder successfulAttempts = new LongAdder();
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder connectNanos = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** What a metrics binder hears as it happens: each failed attempt and each outage that ended. */
    public interface Listener {
        /** An attempt failed with {@code error} (completion wrappers removed). */
        default void attemptFailed(Throwable error) {}

        /** The connection is back after {@code duration} and {@code attempts} attempts, the successful one included. */
        default void outageEnded(Duration duration, int attempts) {}
    }

    /** Adds a listener; it must not block. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    void attemptFailed(Throwable error) {
        attemptFailed();
        for (Listener listener : listeners) {
            listener.attemptFailed(error);
        }
    }

    void outageEnded(Duration duration, int attempts) {
        for (Listener listener : listeners) {
            listener.outageEnded(duration, attempts);
        }
    }

    void attemptSucceeded(long nanos) {
        successfulAttempts.increment();
        connectNanos.add(nanos);
    }

    void attemptFailed() {
        failedAttempts.increment();
    }

    void disconnected() {
        disconnects.increment();
    }

    /** Attempts that gave a connection. */
    public long successfulAttempts() {
        return successfulAttempts.sum();
    }

    /** Attempts that failed (address look-up or connect). */
    public long failedAttempts() {
        return failedAttempts.sum();
    }

    /** Total time spent in successful connects, in the given unit. */
    public double connectTime(TimeUnit unit) {
        return connectNanos.sum() / (double) unit.toNanos(1);
    }

    /** Connections that were lost or closed. */
    public long disconnects() {
        return disconnects.sum();
    }
}
