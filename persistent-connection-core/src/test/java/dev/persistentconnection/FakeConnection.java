package dev.persistentconnection;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A connection the test closes by hand, standing in for an RPC connection. */
final class FakeConnection {
    final String name;
    final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    volatile boolean closed;
    volatile int closeCalls;
    /** When true, close() starts the close but the test finishes it with {@link #finishClose()}. */
    volatile boolean slowClose;

    FakeConnection(String name) {
        this.name = name;
    }

    /** The peer goes away. */
    void peerClose() {
        closed = true;
        closeFinished.complete(null);
    }

    void finishClose() {
        closeFinished.complete(null);
    }

    @Override
    public String toString() {
        return name;
    }

    /** The lifecycle of {@link FakeConnection}s. */
    static final class Lifecycle implements ConnectionLifecycle<FakeConnection> {
        @Override
        public CompletionStage<Void> close(FakeConnection connection) {
            synchronized (connection) {
                connection.closeCalls++;
            }
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
    }
}
