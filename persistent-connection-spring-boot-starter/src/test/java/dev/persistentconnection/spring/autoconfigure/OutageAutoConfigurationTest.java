package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.FatalConnectException;
import dev.persistentconnection.spring.EventHistory;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.endpoint.PersistentConnectionsEndpointAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.health.PersistentConnectionHealthContributorAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.metrics.PersistentConnectionMetricsAutoConfiguration;
import dev.persistentconnection.spring.endpoint.PersistentConnectionsEndpoint;
import dev.persistentconnection.spring.health.PersistentConnectionHealthIndicator;
import dev.persistentconnection.spring.metrics.PersistentConnectionMetrics;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.test.FakeConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Living through outages in the starter: health mapping, event history, retry now, outage metrics, quiet logs. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class OutageAutoConfigurationTest {

    /** A server the test takes down and brings back: while down, every connect is refused. */
    static final class SwitchableConnector extends RecordingConnector {
        volatile boolean down;
        volatile boolean fatal;

        @Override
        public CompletionStage<FakeConnection> connect(InetSocketAddress address, ConnectContext context) {
            if (fatal) {
                return CompletableFuture.failedFuture(new FatalConnectException("credentials rejected"));
            }
            if (down) {
                return CompletableFuture.failedFuture(new ConnectException("Connection refused"));
            }
            return super.connect(address, context);
        }
    }

    private final SwitchableConnector connector = new SwitchableConnector();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    PersistentConnectionAutoConfiguration.class,
                    PersistentConnectionHealthContributorAutoConfiguration.class,
                    PersistentConnectionMetricsAutoConfiguration.class,
                    PersistentConnectionsEndpointAutoConfiguration.class))
            .withBean(
                    "ordersRegistration",
                    PersistentConnectionRegistration.class,
                    () -> RecordingConnector.registration("orders", connector))
            .withPropertyValues(
                    "persistent-connection.connections.orders.addresses=localhost:7000",
                    "persistent-connection.connections.orders.retry-delay=50ms",
                    "persistent-connection.connections.orders.jitter=0",
                    "management.endpoints.web.exposure.include=persistentconnections");

    private static HealthIndicator health(org.springframework.context.ApplicationContext context) {
        return new PersistentConnectionHealthIndicator(
                context.getBean(PersistentConnections.class).managed("orders"));
    }

    /** Connected first, then the server goes down and the connection is dropped. */
    private void connectThenLoseTheServer(org.springframework.context.ApplicationContext context) {
        PersistentConnections connections = context.getBean(PersistentConnections.class);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> connections.get("orders").currentConnection().isPresent());
        connector.down = true;
        connections.dropCurrentConnection("orders");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> connections.managed("orders").state().consecutiveFailures() >= 2);
    }

    @Test
    void whileRetryingHealthIsDownWithTheNextAttemptAndTheOutageDuration() {
        runner.run(context -> {
            connectThenLoseTheServer(context);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () -> { // between two attempts
                                Health health = health(context).health();
                                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                                assertThat(health.getDetails())
                                        .containsKeys("nextAttemptAt", "outageDuration")
                                        .containsEntry("lastError", "ConnectException: Connection refused");
                            });
        });
    }

    @Test
    void statusWhileRetryingCanBeOutOfService() {
        runner.withPropertyValues(
                        "persistent-connection.connections.orders.health.status-while-retrying=out-of-service")
                .run(context -> {
                    connectThenLoseTheServer(context);
                    assertThat(health(context).health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
                });
    }

    @Test
    void aConnectionThatWasUpStaysUpForTheDownAfterGrace() {
        runner.withPropertyValues("persistent-connection.connections.orders.health.down-after=1h")
                .run(context -> {
                    connectThenLoseTheServer(context);
                    Health health = health(context).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails().get("phase")).isIn("WAITING_TO_RETRY", "CONNECTING", "DISCONNECTED");
                });
    }

    @Test
    void theGraceIsForAConnectionThatWasUpNotForOneThatNeverWas() {
        connector.down = true;
        runner.withPropertyValues("persistent-connection.connections.orders.health.down-after=1h")
                .run(context -> {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(PersistentConnections.class)
                                            .managed("orders")
                                            .state()
                                            .consecutiveFailures()
                                    >= 1);
                    assertThat(health(context).health().getStatus()).isEqualTo(Status.DOWN);
                });
    }

    @Test
    void aConnectionThatIsNotRequiredIsUnknownInsteadOfDownWithAllItsDetails() {
        runner.withPropertyValues("persistent-connection.connections.orders.health.required=false")
                .run(context -> {
                    connectThenLoseTheServer(context);
                    await().atMost(Duration.ofSeconds(10))
                            .untilAsserted(
                                    () -> { // between two attempts
                                        Health health = health(context).health();
                                        assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
                                        assertThat(health.getDetails())
                                                .containsKeys("lastError", "nextAttemptAt", "outageDuration");
                                    });
                    connector.down = false;
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> health(context).health().getStatus() == Status.UP);
                });
    }

    @Test
    void afterAnAbortTheConnectionIsFatalAndAlwaysDown() {
        connector.fatal = true;
        runner.withPropertyValues(
                        "persistent-connection.connections.orders.health.down-after=1h",
                        "persistent-connection.connections.orders.health.status-while-retrying=OUT_OF_SERVICE")
                .run(context -> {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(PersistentConnections.class)
                                    .managed("orders")
                                    .isAborted());
                    Health health = health(context).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails())
                            .containsEntry("phase", "FATAL")
                            .containsEntry("lastError", "FatalConnectException: credentials rejected");
                });
    }

    @Test
    void theEndpointShowsTheLastEventsWithRepeatedFailuresAsOneEntry() {
        runner.withPropertyValues("persistent-connection.connections.orders.event-history-size=5")
                .run(context -> {
                    connectThenLoseTheServer(context);
                    PersistentConnectionsEndpoint endpoint = context.getBean(PersistentConnectionsEndpoint.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> last(endpoint).repeats() >= 3);
                    List<EventHistory.Entry> history =
                            endpoint.connection("orders").history();
                    assertThat(history)
                            .extracting(EventHistory.Entry::event)
                            .as("the last 5")
                            .containsExactly(
                                    "Connected",
                                    "Disconnected",
                                    "Attempting_to_connect",
                                    "Obtained_address",
                                    "Failed_to_connect");
                    EventHistory.Entry failure = history.get(4);
                    assertThat(failure.repeats()).isGreaterThanOrEqualTo(3);
                    assertThat(failure.lastAt()).isNotNull();
                    assertThat(java.time.Instant.parse(failure.lastAt()))
                            .isAfter(java.time.Instant.parse(failure.at()));
                    assertThat(history.subList(0, 4))
                            .allSatisfy(entry -> assertThat(entry.repeats()).isEqualTo(1));
                });
    }

    @Test
    void theHistoryIsBounded() {
        runner.withPropertyValues("persistent-connection.connections.orders.event-history-size=3")
                .run(context -> {
                    connectThenLoseTheServer(context);
                    List<EventHistory.Entry> history = context.getBean(PersistentConnectionsEndpoint.class)
                            .connection("orders")
                            .history();
                    assertThat(history).hasSize(3);
                    assertThat(history.get(2).event()).isEqualTo("Failed_to_connect");
                    assertThat(history.get(2).detail()).isEqualTo("ConnectException: Connection refused");
                });
    }

    private static EventHistory.Entry last(PersistentConnectionsEndpoint endpoint) {
        List<EventHistory.Entry> history = endpoint.connection("orders").history();
        return history.get(history.size() - 1);
    }

    @Test
    void retryNowInTheEndpointSkipsTheRestOfTheWait() {
        runner.withPropertyValues("persistent-connection.connections.orders.retry-delay=1h")
                .run(context -> {
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .get("orders")
                                    .currentConnection()
                                    .isPresent());
                    connector.down = true;
                    connections.dropCurrentConnection("orders"); // lived shorter than 1 h: waits out the delay
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .managed("orders")
                                    .state()
                                    .nextAttemptAt()
                                    .isPresent());
                    connector.down = false;
                    PersistentConnectionsEndpoint endpoint = context.getBean(PersistentConnectionsEndpoint.class);

                    PersistentConnectionsEndpoint.RetryResult result = endpoint.retryNow("orders", "retry-now");

                    assertThat(result.retried()).isTrue();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .get("orders")
                                    .currentConnection()
                                    .isPresent());
                    assertThat(endpoint.retryNow("orders", "retry-now").retried())
                            .as("connected: nothing to skip")
                            .isFalse();
                    assertThat(endpoint.retryNow("nope", "retry-now")).isNull();
                    assertThat(endpoint.retryNow("orders", "other")).isNull();
                });
    }

    @Test
    void outageMetricsMeasureTheOutageItsAttemptsAndTagFailuresWithTheError() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBean(PersistentConnectionMetrics.class).bindTo(registry);
            connectThenLoseTheServer(context);
            connector.down = false;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.find("persistent.connection.outage")
                                            .tag("connection", "orders")
                                            .timer()
                                    != null
                            && registry.get("persistent.connection.outage")
                                            .tag("connection", "orders")
                                            .timer()
                                            .count()
                                    == 1);
            assertThat(registry.get("persistent.connection.outage").timer().totalTime(TimeUnit.NANOSECONDS))
                    .isPositive();
            assertThat(registry.get("persistent.connection.outage.attempts")
                            .summary()
                            .totalAmount())
                    .isGreaterThanOrEqualTo(3.0);
            assertThat(registry.get("persistent.connection.attempts.failed")
                            .tags("connection", "orders", "error", "ConnectException")
                            .counter()
                            .count())
                    .isGreaterThanOrEqualTo(2.0);
        });
    }

    @Test
    void aLongOutageLogsStillFailingPeriodicallyAndTheRecoveryOnce(CapturedOutput output) {
        runner.withPropertyValues("persistent-connection.connections.orders.still-failing-log-interval=200ms")
                .run(context -> {
                    connectThenLoseTheServer(context);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> output.getOut().contains("still failing: "));
                    connector.down = false;
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> output.getOut().contains("recovered after "));
                });
        assertThat(output.getOut())
                .containsPattern("Persistent connection 'orders' to orders: still failing: \\d+ "
                        + "attempts over [0-9.]+m?s, last error ConnectException: Connection refused");
        assertThat(output.getOut())
                .containsPattern(
                        "Persistent connection 'orders' to orders: recovered after " + "[0-9.]+m?s and \\d+ attempts");
    }
}
