package dev.persistentconnection.spring.metrics;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.spring.ConnectionStatistics;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of every connection, tagged {@code connection=<name>} and {@code server=<server name>}:
 * <ul>
 * <li>{@code persistent.connection.connected}: gauge, 1 when connected, else 0;</li>
 * <li>{@code persistent.connection.attempts}: counter, tag {@code outcome=success|failure};</li>
 * <li>{@code persistent.connection.connect}: timer of the successful connects;</li>
 * <li>{@code persistent.connection.disconnects}: counter;</li>
 * <li>{@code persistent.connection.state.age}: gauge, seconds since the last state change (on the connection's
 * time source);</li>
 * <li>{@code persistent.connection.attempts.failed}: counter, tag {@code error=<the exception's simple class
 * name>};</li>
 * <li>{@code persistent.connection.outage}: timer, from the disconnection (or the first failure of a connection that
 * was not up) to the next {@code Connected};</li>
 * <li>{@code persistent.connection.outage.attempts}: distribution summary, attempts per outage.</li>
 * </ul>
 */
public class PersistentConnectionMetrics implements MeterBinder {

    private final PersistentConnections connections;

    public PersistentConnectionMetrics(PersistentConnections connections) {
        this.connections = connections;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ManagedPersistentConnection connection : connections) {
            Tags tags = Tags.of(
                    "connection",
                    connection.name(),
                    "server",
                    connection.settings().serverName());
            ConnectionStatistics statistics = connection.statistics();
            Gauge.builder(
                            "persistent.connection.connected",
                            connection,
                            c -> c.state().phase() == ConnectionState.Phase.CONNECTED ? 1 : 0)
                    .tags(tags)
                    .description("Whether the connection is established (1) or not (0)")
                    .register(registry);
            FunctionCounter.builder(
                            "persistent.connection.attempts", statistics, ConnectionStatistics::successfulAttempts)
                    .tags(tags)
                    .tag("outcome", "success")
                    .description("Connection attempts")
                    .register(registry);
            FunctionCounter.builder("persistent.connection.attempts", statistics, ConnectionStatistics::failedAttempts)
                    .tags(tags)
                    .tag("outcome", "failure")
                    .description("Connection attempts")
                    .register(registry);
            FunctionTimer.builder(
                            "persistent.connection.connect",
                            statistics,
                            ConnectionStatistics::successfulAttempts,
                            s -> s.connectTime(TimeUnit.NANOSECONDS),
                            TimeUnit.NANOSECONDS)
                    .tags(tags)
                    .description("Duration of the successful connects")
                    .register(registry);
            FunctionCounter.builder("persistent.connection.disconnects", statistics, ConnectionStatistics::disconnects)
                    .tags(tags)
                    .description("Established connections that were lost or closed")
                    .register(registry);
            Gauge.builder("persistent.connection.state.age", connection, PersistentConnectionMetrics::stateAgeSeconds)
                    .tags(tags)
                    .baseUnit("seconds")
                    .description("Time since the last change of the connection's state")
                    .register(registry);
            Timer outages = Timer.builder("persistent.connection.outage")
                    .tags(tags)
                    .description("How long the connection was down, until it was connected again")
                    .register(registry);
            DistributionSummary attemptsPerOutage = DistributionSummary.builder("persistent.connection.outage.attempts")
                    .tags(tags)
                    .description("Attempts it took to connect again, the successful one included")
                    .register(registry);
            statistics.addListener(new ConnectionStatistics.Listener() {
                @Override
                public void attemptFailed(Throwable error) {
                    Counter.builder("persistent.connection.attempts.failed")
                            .tags(tags)
                            .tag("error", errorTag(error))
                            .description("Failed connection attempts by error")
                            .register(registry)
                            .increment();
                }

                @Override
                public void outageEnded(Duration duration, int attempts) {
                    outages.record(duration);
                    attemptsPerOutage.record(attempts);
                }
            });
        }
    }

    /** The exception's simple class name (its full name for an anonymous class). */
    private static String errorTag(Throwable error) {
        String simple = error.getClass().getSimpleName();
        return simple.isEmpty() ? error.getClass().getName() : simple;
    }

    /** On one clock: the state's {@code since} and now both come from the connection's time source. */
    private static double stateAgeSeconds(ManagedPersistentConnection connection) {
        Instant since = connection.state().since();
        Duration age =
                Duration.between(since, connection.connection().timeSource().now());
        return age.isNegative() ? 0.0 : age.toNanos() / 1e9;
    }
}
