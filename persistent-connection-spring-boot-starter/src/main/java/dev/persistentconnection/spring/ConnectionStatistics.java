package dev.persistentconnection.spring;

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
    public long successfulAttempts() { return successfulAttempts.sum(); }

    /** Attempts that failed (address look-up or connect). */
    public long failedAttempts() { return failedAttempts.sum(); }

    /** Total time spent in successful connects, in the given unit. */
    public double connectTime(TimeUnit unit) { return connectNanos.sum() / (double) unit.toNanos(1); }

    /** Connections that were lost or closed. */
    public long disconnects() { return disconnects.sum(); }
}
