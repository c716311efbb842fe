package dev.persistentconnection.spring.health;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.ManagedPersistentConnection;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of one connection: UP when connected, DOWN otherwise, with the connection's state as details
 * ({@code serverName}, {@code phase}, {@code address}, {@code lastError}, {@code consecutiveFailures},
 * {@code since}).
 */
public class PersistentConnectionHealthIndicator implements HealthIndicator {

    private final ManagedPersistentConnection connection;

    public PersistentConnectionHealthIndicator(ManagedPersistentConnection connection) {
        this.connection = connection;
    }

    @Override
    public Health health() {
        ConnectionState state = connection.state();
        Health.Builder builder = (state.phase() == ConnectionState.Phase.CONNECTED) ? Health.up() : Health.down();
        Map<String, Object> details = details(state);
        if (state.lastError().isEmpty()) {
            // No failed attempt since the last connection: the last error is why that connection closed, if known.
            connection.lastCloseReason().ifPresent(reason -> details.put("lastError",
                    ConnectionDescriptions.describeError(reason)));
        }
        return builder.withDetails(details).build();
    }

    static Map<String, Object> details(ConnectionState state) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("serverName", state.serverName());
        details.put("phase", state.phase().name());
        state.address().ifPresent(address -> details.put("address", ConnectionDescriptions.describeAddress(address)));
        state.lastError().ifPresent(error -> details.put("lastError", ConnectionDescriptions.describeError(error)));
        details.put("consecutiveFailures", state.consecutiveFailures());
        details.put("since", String.valueOf(state.since()));
        return details;
    }
}
