package dev.persistentconnection.benchmarks;

import dev.persistentconnection.ConnectionLifecycle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A connection that is only a flag and a close future: what the engine costs without any I/O. */
public final class FakeConnection {
    private volatile boolean closed;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();

    /** Closes as the peer would: the close future completes on the calling thread. */
    public void peerClose() {
        closed = true;
        closeFinished.complete(null);
    }

    public boolean isClosed() {
        return closed;
    }

    public static final ConnectionLifecycle<FakeConnection> LIFECYCLE = new ConnectionLifecycle<>() {
        @Override
        public CompletionStage<Void> close(FakeConnection connection) {
            connection.peerClose();
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
}
