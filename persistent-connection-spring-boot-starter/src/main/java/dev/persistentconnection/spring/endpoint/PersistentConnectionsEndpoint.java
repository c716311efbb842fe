package dev.persistentconnection.spring.endpoint;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.EventHistory;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * Actuator endpoint {@code persistentconnections}: the state and the recent events of every connection, of one by
 * name, and two write operations: drop the current connection of one name so that the engine reconnects
 * ({@code POST /actuator/persistentconnections/{name}}), and retry now, skipping the rest of the retry wait
 * ({@code POST /actuator/persistentconnections/{name}/retry-now}). Like every actuator endpoint but health, it is
 * not exposed over HTTP unless the application includes it in {@code management.endpoints.web.exposure.include}.
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
        return connections
                .findManaged(name)
                .map(connection -> new DropResult(name, connection.dropCurrentConnection()))
                .orElse(null);
    }

    /**
     * Retries {@code name} now ({@code action} must be {@code retry-now}): the rest of the current retry wait is
     * skipped. 404 for an unknown name or action.
     */
    @WriteOperation
    public @Nullable RetryResult retryNow(@Selector String name, @Selector String action) {
        if (!"retry-now".equals(action)) {
            return null;
        }
        return connections
                .findManaged(name)
                .map(connection -> new RetryResult(
                        name, connection.retryNow(), connection.state().phase().name()))
                .orElse(null);
    }

    /** All connections by name. */
    public record ConnectionsDescriptor(Map<String, ConnectionDescriptor> connections) {}

    /**
     * A {@link ConnectionState} with its error as text, the counters, and the last events (oldest first; a failure
     * repeated by de-duplicated attempts is one entry with its repeat count).
     */
    public record ConnectionDescriptor(
            String serverName,
            String phase,
            boolean connected,
            @Nullable String address,
            @Nullable String lastError,
            int consecutiveFailures,
            String since,
            @Nullable String nextAttemptAt,
            @Nullable String outageDuration,
            long successfulAttempts,
            long failedAttempts,
            long disconnects,
            List<EventHistory.Entry> history) {

        static ConnectionDescriptor of(ManagedPersistentConnection connection) {
            ConnectionState state = connection.state();
            return new ConnectionDescriptor(
                    state.serverName(),
                    connection.isAborted() ? "FATAL" : state.phase().name(),
                    state.phase() == ConnectionState.Phase.CONNECTED,
                    state.address().map(ConnectionDescriptions::describeAddress).orElse(null),
                    state.lastError().map(ConnectionDescriptions::describeError).orElse(null),
                    state.consecutiveFailures(),
                    String.valueOf(state.since()),
                    state.nextAttemptAt().map(String::valueOf).orElse(null),
                    state.outageDuration().map(String::valueOf).orElse(null),
                    connection.statistics().successfulAttempts(),
                    connection.statistics().failedAttempts(),
                    connection.statistics().disconnects(),
                    connection.history().entries());
        }
    }

    /** The outcome of a retry-now: whether the connection was waiting to retry, and its phase after the call. */
    public record RetryResult(String name, boolean retried, String phase) {}

    /** The outcome of a drop. */
    public record DropResult(String name, boolean dropped) {}
}
