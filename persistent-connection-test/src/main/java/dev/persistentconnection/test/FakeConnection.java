package dev.persistentconnection.test;

import dev.persistentconnection.ConnectionLifecycle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection that is only a name, a closed flag and a close future, for tests of code that uses a
 * {@code PersistentConnection}: the test makes the peer go away with {@link #peerClose()}, and {@link #lifecycle()}
 * closes it when the engine asks. Thread-safe.
 */
public final class FakeConnection {
    private static final ConnectionLifecycle<FakeConnection> LIFECYCLE = new ConnectionLifecycle<>() {
        @Override
        public CompletionStage<Void> close(FakeConnection connection) {
            connection.closeCalls.incrementAndGet();
            connection.closed = true;
            if (!connection.slowClose) {
                connection.closeFinished.complete(null);
            }
            return connection.closeFinished;
        }

        @Override
        public boolean isClosed(FakeConnection connection) {
            return connection.closed;
        }

        @Override
        public CompletionStage<Void> closeFinished(FakeConnection connection) {
            return connection.closeFinished;
        }
    };

    private final String name;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private final AtomicInteger closeCalls = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean slowClose;

    /** A connection called {@code name} (its {@link #toString()}), open until closed. */
    public FakeConnection(String name) {
        this.name = name;
    }

    /** How a {@code PersistentConnection} closes and watches fake connections. */
    public static ConnectionLifecycle<FakeConnection> lifecycle() {
        return LIFECYCLE;
    }

    /** The peer goes away: the connection is closed and has finished closing, on the calling thread. */
    public void peerClose() {
        closed = true;
        closeFinished.complete(null);
    }

    /**
     * From now on a close by the lifecycle only starts: the connection is closed but finishes closing when the test
     * calls {@link #finishClose()}, as a connection that flushes before it goes.
     *
     * @return this connection
     */
    public FakeConnection closeSlowly() {
        slowClose = true;
        return this;
    }

    /** Finishes a close that {@link #closeSlowly()} held. */
    public void finishClose() {
        closeFinished.complete(null);
    }

    /** The name given to the constructor. */
    public String name() {
        return name;
    }

    /** True once a close started, from either side. */
    public boolean isClosed() {
        return closed;
    }

    /** Completes when the connection has finished closing. */
    public CompletableFuture<Void> closeFinished() {
        return closeFinished;
    }

    /** How many times the lifecycle was asked to close this connection. */
    public int closeCalls() {
        return closeCalls.get();
    }

    @Override
    public String toString() {
        return name;
    }
}
