package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.VirtualTimeSource;
import dev.persistentconnection.spring.PersistentConnectionCustomizer;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.endpoint.PersistentConnectionsEndpointAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.health.PersistentConnectionHealthContributorAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.metrics.PersistentConnectionMetricsAutoConfiguration;
import dev.persistentconnection.spring.endpoint.PersistentConnectionsEndpoint;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import dev.persistentconnection.spring.health.PersistentConnectionHealthIndicator;
import dev.persistentconnection.spring.metrics.PersistentConnectionMetrics;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.test.FakeConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;

/** Health, metrics and endpoint: present with their libraries, absent (without failing) without them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ObservabilityAutoConfigurationTest {

    private final RecordingConnector connector = new RecordingConnector();

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
                    "persistent-connection.connections.orders.server-name=order-service",
                    "persistent-connection.connections.orders.retry-delay=100ms");

    @Test
    void healthContributorHasOneIndicatorPerConnectionWithDetails() {
        runner.run(context -> {
            assertThat(context).hasBean("persistentConnectionsHealthContributor");
            CompositeHealthContributor composite = (CompositeHealthContributor)
                    context.getBean("persistentConnectionsHealthContributor", HealthContributor.class);
            HealthIndicator orders = (HealthIndicator) composite.getContributor("orders");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> orders.health().getStatus().equals(Status.UP));
            Health up = orders.health();
            assertThat(up.getDetails())
                    .containsEntry("serverName", "order-service")
                    .containsEntry("phase", "CONNECTED")
                    .containsEntry("address", "localhost:7000")
                    .containsEntry("consecutiveFailures", 0)
                    .containsKey("since")
                    .doesNotContainKey("lastError");
            context.getBean(PersistentConnections.class)
                    .get("orders")
                    .closeAsync()
                    .get(10, TimeUnit.SECONDS);
            Health down = orders.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("phase", "CLOSED");
        });
    }

    @Test
    void healthIndicatorReportsTheLastError() {
        RecordingConnector failing = new RecordingConnector() {
            @Override
            public java.util.concurrent.CompletionStage<FakeConnection> connect(
                    java.net.InetSocketAddress address, dev.persistentconnection.ConnectContext context) {
                return java.util.concurrent.CompletableFuture.failedFuture(
                        new java.net.ConnectException("Connection refused"));
            }
        };
        runner.withAllowBeanDefinitionOverriding(true)
                .withBean(
                        "ordersRegistration",
                        PersistentConnectionRegistration.class,
                        () -> RecordingConnector.registration("orders", failing))
                .run(context -> {
                    HealthIndicator orders = new PersistentConnectionHealthIndicator(
                            context.getBean(PersistentConnections.class).managed("orders"));
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> (Integer) orders.health().getDetails().get("consecutiveFailures") >= 2);
                    Health health = orders.health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails())
                            .containsEntry("lastError", "ConnectException: Connection refused")
                            .containsEntry("phase", "WAITING_TO_RETRY");
                });
    }

    @Test
    void healthCanBeSwitchedOff() {
        runner.withPropertyValues("management.health.persistent-connections.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("persistentConnectionsHealthContributor"));
        runner.withPropertyValues("management.health.defaults.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("persistentConnectionsHealthContributor"));
    }

    @Test
    void aUserHealthContributorWithTheSameNameWins() {
        runner.withBean("persistentConnectionsHealthContributor", HealthContributor.class, () -> (HealthIndicator)
                        () -> Health.up().withDetail("mine", true).build())
                .run(context -> assertThat(((HealthIndicator) context.getBean("persistentConnectionsHealthContributor"))
                                .health()
                                .getDetails())
                        .containsEntry("mine", true));
    }

    @Test
    void metricsAreBoundWithTheConnectionTag() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            assertThat(context).hasSingleBean(PersistentConnectionMetrics.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBean(PersistentConnectionMetrics.class).bindTo(registry);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get("persistent.connection.connected")
                                    .tag("connection", "orders")
                                    .tag("server", "order-service")
                                    .gauge()
                                    .value()
                            == 1.0);
            assertThat(registry.get("persistent.connection.attempts")
                            .tags("connection", "orders", "outcome", "success")
                            .functionCounter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(registry.get("persistent.connection.attempts")
                            .tags("connection", "orders", "outcome", "failure")
                            .functionCounter()
                            .count())
                    .isZero();
            assertThat(registry.get("persistent.connection.connect")
                            .tag("connection", "orders")
                            .functionTimer()
                            .count())
                    .isEqualTo(1.0);
            context.getBean(PersistentConnections.class).dropCurrentConnection("orders");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get("persistent.connection.disconnects")
                                    .tag("connection", "orders")
                                    .functionCounter()
                                    .count()
                            == 1.0);
            assertThat(registry.get("persistent.connection.state.age")
                            .tag("connection", "orders")
                            .gauge()
                            .value())
                    .isGreaterThanOrEqualTo(0.0);
        });
    }

    @Test
    void theStateAgeAndTheEventTimesReadTheConnectionsTimeSource() {
        Instant start = Instant.parse("2030-01-01T00:00:00Z");
        VirtualTimeSource time = new VirtualTimeSource();
        time.advanceTo(start);
        List<PersistentConnectionEvent> events = new CopyOnWriteArrayList<>();
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(PersistentConnectionCustomizer.class, () -> (name, builder) -> builder.timeSource(time))
                .withBean(
                        "eventRecorder",
                        ApplicationListener.class,
                        () -> (ApplicationListener<ApplicationEvent>) event -> {
                            if (event instanceof PersistentConnectionEvent connectionEvent) {
                                events.add(connectionEvent);
                            }
                        })
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    context.getBean(PersistentConnectionMetrics.class).bindTo(registry);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> events.stream()
                                    .anyMatch(event -> event instanceof PersistentConnectionEvent.Connected));
                    assertThat(events)
                            .extracting(PersistentConnectionEvent::getOccurredAt)
                            .containsOnly(start);
                    time.advanceBy(Duration.ofSeconds(42));
                    assertThat(registry.get("persistent.connection.state.age")
                                    .tag("connection", "orders")
                                    .gauge()
                                    .value())
                            .isEqualTo(42.0);
                });
    }

    @Test
    void noMetricsWithoutAMeterRegistryOrWithoutMicrometer() {
        runner.run(context -> assertThat(context).doesNotHaveBean(PersistentConnectionMetrics.class));
        runner.withClassLoader(new FilteredClassLoader("io.micrometer.core")).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(PersistentConnectionMetrics.class);
            assertThat(context).hasSingleBean(PersistentConnections.class);
        });
    }

    @Test
    void theEndpointIsOnlyThereWhenExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(PersistentConnectionsEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=persistentconnections")
                .run(context -> {
                    PersistentConnectionsEndpoint endpoint = context.getBean(PersistentConnectionsEndpoint.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> endpoint.connection("orders").connected());
                    Map<String, PersistentConnectionsEndpoint.ConnectionDescriptor> all =
                            endpoint.connections().connections();
                    assertThat(all).containsOnlyKeys("orders");
                    assertThat(all.get("orders").serverName()).isEqualTo("order-service");
                    assertThat(all.get("orders").address()).isEqualTo("localhost:7000");
                    assertThat(endpoint.connection("unknown")).isNull();
                    assertThat(endpoint.drop("unknown")).isNull();
                    FakeConnection before = (FakeConnection) context.getBean(PersistentConnections.class)
                            .get("orders")
                            .currentConnection()
                            .orElseThrow();
                    assertThat(endpoint.drop("orders").dropped()).isTrue();
                    assertThat(before.isClosed()).isTrue();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> endpoint.connection("orders").connected()
                                    && context.getBean(PersistentConnections.class)
                                            .get("orders")
                                            .currentConnection()
                                            .filter(current -> current != before)
                                            .isPresent());
                });
    }

    @Test
    void withoutActuatorOnTheClasspathTheConnectionsStillWork() {
        runner.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthContributor.class))
                .withPropertyValues("management.endpoints.web.exposure.include=*")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(PersistentConnectionsEndpoint.class);
                    assertThat(context).doesNotHaveBean("persistentConnectionsHealthContributor");
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .get("orders")
                                    .currentConnection()
                                    .isPresent());
                });
    }
}
