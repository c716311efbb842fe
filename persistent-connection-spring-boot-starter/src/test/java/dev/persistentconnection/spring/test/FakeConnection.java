package dev.persistentconnection.spring.test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.Connector;
import dev.persistentconnection.spring.PersistentConnectionRegistration;

/** An in-memory connection for context tests: connects at once to whatever address, closes on demand. */
public final class FakeConnection {

    public static final ConnectionLifecycle<FakeConnection> LIFECYCLE = new ConnectionLifecycle<>() {
        @Override
        public CompletionStage<Void> close(FakeConnection connection) {
            connection.closed.complete(null);
            return connection.closed;
        }

        @Override
        public boolean isClosed(FakeConnection connection) {
            return connection.closed.isDone();
        }

        @Override
        public CompletionStage<Void> closeFinished(FakeConnection connection) {
            return connection.closed;
        }
    };

    private final InetSocketAddress address;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    public FakeConnection(InetSocketAddress address) {
        this.address = address;
    }

    public InetSocketAddress address() {
        return address;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public void close() {
        closed.complete(null);
    }

    /** A connector that records every connect and succeeds. */
    public static class RecordingConnector implements Connector<InetSocketAddress, FakeConnection> {

        public final List<FakeConnection> connections = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<FakeConnection> connect(InetSocketAddress address,
                dev.persistentconnection.ConnectContext context) {
            FakeConnection connection = new FakeConnection(address);
            connections.add(connection);
            return CompletableFuture.completedFuture(connection);
        }
    }

    /** A registration of a recording connector for {@code name}. */
    public static PersistentConnectionRegistration<InetSocketAddress, FakeConnection> registration(String name,
            RecordingConnector connector) {
        return PersistentConnectionRegistration.<InetSocketAddress, FakeConnection>forConnection(name)
                .connector(connector)
                .lifecycle(LIFECYCLE)
                .build();
    }
}
