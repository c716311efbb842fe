package dev.persistentconnection.spring.test;

import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.Connector;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.test.FakeConnection;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A connector for context tests: connects at once to whatever address with a {@link FakeConnection}, and records it. */
public class RecordingConnector implements Connector<InetSocketAddress, FakeConnection> {

    /** Every connection made, oldest first. */
    public final List<FakeConnection> connections = new CopyOnWriteArrayList<>();

    /** The address of every connect, in order. */
    public final List<InetSocketAddress> addresses = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<FakeConnection> connect(InetSocketAddress address, ConnectContext context) {
        FakeConnection connection = new FakeConnection(address.toString());
        addresses.add(address);
        connections.add(connection);
        return CompletableFuture.completedFuture(connection);
    }

    /** A registration of {@code connector} for the connection {@code name}. */
    public static PersistentConnectionRegistration<InetSocketAddress, FakeConnection> registration(
            String name, RecordingConnector connector) {
        return PersistentConnectionRegistration.<InetSocketAddress, FakeConnection>forConnection(name)
                .connector(connector)
                .lifecycle(FakeConnection.lifecycle())
                .build();
    }
}
