package dev.persistentconnection.spring.health;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of one connection, shaped for Kubernetes probes by {@code persistent-connection.connections.<name>.health}:
 * <ul>
 * <li>UP when connected, and, for {@code down-after}, while a connection that was up reconnects;</li>
 * <li>while retrying, {@code status-while-retrying}: DOWN (default) or OUT_OF_SERVICE;</li>
 * <li>after an abort (a fatal error: the engine will not connect again) DOWN, with phase {@code FATAL};</li>
 * <li>with {@code required: false}, UNKNOWN instead of any unhealthy status, so the aggregate never goes DOWN for
 * this connection.</li>
 * </ul>
 * Details: {@code serverName}, {@code phase}, {@code address}, {@code lastError}, {@code consecutiveFailures},
 * {@code since}, and during an outage {@code nextAttemptAt} and {@code outageDuration}.
 */
public class PersistentConnectionHealthIndicator implements HealthIndicator {

    /** The phase shown after an abort: the engine will not connect again. */
    static final String FATAL = "FATAL";

    private final ManagedPersistentConnection connection;

    public PersistentConnectionHealthIndicator(ManagedPersistentConnection connection) {
        this.connection = connection;
    }

    @Override
    public Health health() {
        ConnectionState state = connection.state();
        PersistentConnectionSettings.Health settings = connection.settings().health();
        boolean fatal = connection.isAborted();
        Status status = status(state, settings, fatal);
        if (!settings.required() && status != Status.UP) {
            status = Status.UNKNOWN;
        }
        Map<String, Object> details = details(state, fatal);
        if (state.lastError().isEmpty()) {
            // No failed attempt since the last connection: the last error is why that connection closed, if known.
            connection
                    .lastCloseReason()
                    .ifPresent(reason -> details.put("lastError", ConnectionDescriptions.describeError(reason)));
        }
        return Health.status(status).withDetails(details).build();
    }

    private Status status(ConnectionState state, PersistentConnectionSettings.Health settings, boolean fatal) {
        if (state.phase() == ConnectionState.Phase.CONNECTED) {
            return Status.UP;
        }
        if (fatal || state.phase() == ConnectionState.Phase.CLOSED) {
            return Status.DOWN;
        }
        boolean wasUp = connection.statistics().successfulAttempts() > 0;
        Duration outage = state.outageDuration().orElse(Duration.ZERO);
        if (wasUp && outage.compareTo(settings.downAfter()) < 0) {
            return Status.UP; // the grace of a connection that was up: it is reconnecting
        }
        return "OUT_OF_SERVICE".equals(settings.statusWhileRetrying()) ? Status.OUT_OF_SERVICE : Status.DOWN;
    }

    static Map<String, Object> details(ConnectionState state) {
        return details(state, false);
    }

    static Map<String, Object> details(ConnectionState state, boolean fatal) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("serverName", state.serverName());
        details.put("phase", fatal ? FATAL : state.phase().name());
        state.address().ifPresent(address -> details.put("address", ConnectionDescriptions.describeAddress(address)));
        state.lastError().ifPresent(error -> details.put("lastError", ConnectionDescriptions.describeError(error)));
        details.put("consecutiveFailures", state.consecutiveFailures());
        details.put("since", String.valueOf(state.since()));
        state.nextAttemptAt().ifPresent(next -> details.put("nextAttemptAt", String.valueOf(next)));
        state.outageDuration().ifPresent(outage -> details.put("outageDuration", String.valueOf(outage)));
        return details;
    }
}
