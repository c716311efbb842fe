package dev.persistentconnection.spring.endpoint;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * Actuator endpoint {@code persistentconnections}: the state of every connection, of one by name, and a write
 * operation that drops the current connection of one name so that the engine reconnects.
 */
@Endpoint(id = "persistentconnections")
public class PersistentConnectionsEndpoint {

    private final PersistentConnections connections;

    public PersistentConnectionsEndpoint(PersistentConnections connections) {
        this.connections = connections;
    }

    /** All connections. */
    @ReadOperation
    public ConnectionsDescriptor connections() {
        Map<String, ConnectionDescriptor> all = new LinkedHashMap<>();
        for (ManagedPersistentConnection connection : connections) {
            all.put(connection.name(), ConnectionDescriptor.of(connection));
        }
        return new ConnectionsDescriptor(all);
    }

    /** One connection by name, or 404. */
    @ReadOperation
    public @Nullable ConnectionDescriptor connection(@Selector String name) {
        return connections.findManaged(name).map(ConnectionDescriptor::of).orElse(null);
    }

    /** Drops the current connection of {@code name}; the engine reconnects. 404 for an unknown name. */
    @WriteOperation
    public @Nullable DropResult drop(@Selector String name) {
        return connections.findManaged(name)
                .map(connection -> new DropResult(name, connection.dropCurrentConnection()))
                .orElse(null);
    }

    /** All connections by name. */
    public record ConnectionsDescriptor(Map<String, ConnectionDescriptor> connections) {
    }

    /** A {@link ConnectionState} with its error as text, plus the counters. */
    public record ConnectionDescriptor(String serverName, String phase, boolean connected, @Nullable String address,
            @Nullable String lastError, int consecutiveFailures, String since, long successfulAttempts, long failedAttempts,
            long disconnects) {

        static ConnectionDescriptor of(ManagedPersistentConnection connection) {
            ConnectionState state = connection.state();
            return new ConnectionDescriptor(state.serverName(), state.phase().name(),
                    state.phase() == ConnectionState.Phase.CONNECTED,
                    state.address().map(ConnectionDescriptions::describeAddress).orElse(null),
                    state.lastError().map(ConnectionDescriptions::describeError).orElse(null),
                    state.consecutiveFailures(), String.valueOf(state.since()),
                    connection.statistics().successfulAttempts(), connection.statistics().failedAttempts(),
                    connection.statistics().disconnects());
        }
    }

    /** The outcome of a drop. */
    public record DropResult(String name, boolean dropped) {
    }
}
