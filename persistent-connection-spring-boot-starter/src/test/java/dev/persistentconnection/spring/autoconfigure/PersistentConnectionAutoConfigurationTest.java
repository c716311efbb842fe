package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionCustomizer;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.test.FakeConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PersistentConnectionAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(PersistentConnectionAutoConfiguration.class, SslAutoConfiguration.class));

    @Configuration(proxyBeanMethods = false)
    static class FakeConnectors {

        final RecordingConnector orders = new RecordingConnector();
        final RecordingConnector prices = new RecordingConnector();

        @Bean
        PersistentConnectionRegistration<InetSocketAddress, FakeConnection> ordersRegistration() {
            return RecordingConnector.registration("orders", orders);
        }

        @Bean
        PersistentConnectionRegistration<InetSocketAddress, FakeConnection> pricesRegistration() {
            return RecordingConnector.registration("prices", prices);
        }
    }

    @Test
    void everyPropertyHasItsDefault() {
        runner.withUserConfiguration(FakeConnectors.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.prices.addresses=localhost:7001")
                .run(context -> {
                    PersistentConnectionSettings s = context.getBean(PersistentConnections.class)
                            .managed("orders")
                            .settings();
                    assertThat(s.name()).isEqualTo("orders");
                    assertThat(s.serverName()).isEqualTo("orders");
                    assertThat(s.addresses()).containsExactly(InetSocketAddress.createUnresolved("localhost", 7000));
                    assertThat(s.retryDelay()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(s.jitter()).isEqualTo(0.3);
                    assertThat(s.backoff().multiplier()).isEqualTo(1.0);
                    assertThat(s.backoff().maxDelay()).isEqualTo(Duration.ofMinutes(5));
                    assertThat(s.backoff().resetAfter()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(s.heartbeat().interval()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(s.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(s.sslBundle()).isNull();
                    assertThat(s.discoveryServiceId()).isNull();
                    PersistentConnectionProperties properties = context.getBean(PersistentConnectionProperties.class);
                    assertThat(properties.isEnabled()).isTrue();
                    assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(properties.getDefaults().getEnabled())
                            .as("unset: the built-in default applies")
                            .isNull();
                });
    }

    @Test
    void everyPropertyCanBeSetPerConnectionAndInDefaults() {
        runner.withUserConfiguration(FakeConnectors.class)
                .withPropertyValues(
                        "persistent-connection.shutdown-timeout=3s",
                        "persistent-connection.defaults.retry-delay=2s",
                        "persistent-connection.defaults.jitter=0.1",
                        "persistent-connection.defaults.connect-timeout=4s",
                        "persistent-connection.defaults.heartbeat.interval=1s",
                        "persistent-connection.defaults.backoff.multiplier=3",
                        "persistent-connection.connections.orders.server-name=orders-service",
                        "persistent-connection.connections.orders.addresses=a.example:1,[::1]:2",
                        "persistent-connection.connections.orders.retry-delay=250ms",
                        "persistent-connection.connections.orders.jitter=0",
                        "persistent-connection.connections.orders.backoff.multiplier=2",
                        "persistent-connection.connections.orders.backoff.max-delay=30s",
                        "persistent-connection.connections.orders.backoff.reset-after=5s",
                        "persistent-connection.connections.orders.connect-timeout=1500ms",
                        "persistent-connection.connections.orders.heartbeat.interval=2s",
                        "persistent-connection.connections.orders.heartbeat.timeout=6s",
                        "persistent-connection.connections.prices.addresses=b.example:3")
                .run(context -> {
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    PersistentConnectionSettings orders =
                            connections.managed("orders").settings();
                    assertThat(orders.serverName()).isEqualTo("orders-service");
                    assertThat(orders.addresses())
                            .containsExactly(
                                    InetSocketAddress.createUnresolved("a.example", 1),
                                    InetSocketAddress.createUnresolved("::1", 2));
                    assertThat(orders.retryDelay()).isEqualTo(Duration.ofMillis(250));
                    assertThat(orders.jitter()).isZero();
                    assertThat(orders.backoff().multiplier()).isEqualTo(2.0);
                    assertThat(orders.backoff().maxDelay()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(orders.backoff().resetAfter()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(orders.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(orders.heartbeat().interval()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(orders.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(6));
                    PersistentConnectionSettings prices =
                            connections.managed("prices").settings();
                    assertThat(prices.serverName()).isEqualTo("prices");
                    assertThat(prices.retryDelay()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(prices.jitter()).isEqualTo(0.1);
                    assertThat(prices.connectTimeout()).isEqualTo(Duration.ofSeconds(4));
                    assertThat(prices.heartbeat().interval()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(prices.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(prices.backoff().multiplier()).isEqualTo(3.0);
                    assertThat(context.getBean(PersistentConnectionsLifecycle.class))
                            .isNotNull();
                    assertThat(context.getBean(PersistentConnectionProperties.class)
                                    .getShutdownTimeout())
                            .isEqualTo(Duration.ofSeconds(3));
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class QualifiedConsumer {

        @Bean
        Object consumer(
                @Qualifier("orders") PersistentConnection<InetSocketAddress, FakeConnection> orders,
                @Qualifier("prices") PersistentConnection<?, ?> prices) {
            return List.of(orders, prices);
        }
    }

    @Test
    void oneQualifiedBeanPerConnectionAndARegistry() {
        runner.withUserConfiguration(FakeConnectors.class, QualifiedConsumer.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.prices.addresses=localhost:7001",
                        "persistent-connection.connections.prices.server-name=price-feed")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeansOfType(PersistentConnection.class))
                            .containsOnlyKeys("ordersPersistentConnection", "pricesPersistentConnection");
                    PersistentConnections registry = context.getBean(PersistentConnections.class);
                    assertThat(registry.names()).containsExactly("orders", "prices");
                    assertThat(registry.get("prices").serverName()).isEqualTo("price-feed");
                    assertThat(registry.find("nope")).isEmpty();
                    @SuppressWarnings("unchecked")
                    List<Object> injected = (List<Object>) context.getBean("consumer");
                    assertThat(injected).containsExactly(registry.get("orders"), registry.get("prices"));
                    assertThat(registry.asMap()).containsOnlyKeys("orders", "prices");
                    FakeConnectors connectors = context.getBean(FakeConnectors.class);
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        assertThat(registry.get("orders").state().phase()).isEqualTo(ConnectionState.Phase.CONNECTED);
                        assertThat(registry.get("prices").state().phase()).isEqualTo(ConnectionState.Phase.CONNECTED);
                    });
                    assertThat(connectors.orders.addresses)
                            .containsOnly(InetSocketAddress.createUnresolved("localhost", 7000));
                });
    }

    @Test
    void addressesAreUsedRoundRobinOnePerAttempt() {
        runner.withUserConfiguration(FakeConnectors.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=h1:1,h2:2",
                        "persistent-connection.connections.orders.retry-delay=0s",
                        "persistent-connection.connections.prices.enabled=false")
                .run(context -> {
                    PersistentConnections registry = context.getBean(PersistentConnections.class);
                    FakeConnectors connectors = context.getBean(FakeConnectors.class);
                    for (int i = 0; i < 3; i++) {
                        int expected = i + 1;
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> connectors.orders.connections.size() == expected
                                        && registry.get("orders")
                                                .currentConnection()
                                                .isPresent());
                        registry.dropCurrentConnection("orders");
                    }
                    assertThat(connectors.orders.addresses)
                            .extracting(InetSocketAddress::getHostString)
                            .startsWith("h1", "h2", "h1");
                });
    }

    @Test
    void connectionsStartWithTheContextAndCloseWithIt() {
        runner.withUserConfiguration(FakeConnectors.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.prices.addresses=localhost:7001")
                .run(context -> {
                    PersistentConnections registry = context.getBean(PersistentConnections.class);
                    assertThat(registry.isStarted()).isTrue();
                    PersistentConnection<?, ?> orders = registry.get("orders");
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> orders.currentConnection().isPresent());
                    FakeConnection current =
                            (FakeConnection) orders.currentConnection().get();
                    context.close();
                    assertThat(orders.isClosed()).isTrue();
                    assertThat(orders.closeFinished()).isCompleted();
                    assertThat(current.isClosed()).isTrue();
                    assertThat(orders.state().phase()).isEqualTo(ConnectionState.Phase.CLOSED);
                });
    }

    @Test
    void aConnectionDoesNotConnectBeforeTheContextStarts() {
        RecordingConnector connector = new RecordingConnector();
        ManagedPersistentConnection managed = ManagedPersistentConnection.create(
                new PersistentConnectionSettings() {
                    @Override
                    public String name() {
                        return "x";
                    }

                    @Override
                    public Duration retryDelay() {
                        return Duration.ofMillis(100);
                    }

                    @Override
                    public double jitter() {
                        return 0;
                    }
                },
                RecordingConnector.registration("x", connector),
                () -> java.util.concurrent.CompletableFuture.completedFuture(
                        InetSocketAddress.createUnresolved("h", 1)),
                List.of(),
                event -> {});
        assertThat(connector.connections).isEmpty();
        managed.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> connector.connections.size() == 1);
        managed.closeAsync().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void disabledConnectionsAndADisabledStarterCreateNoBeans() {
        runner.withBean(
                        "ordersRegistration",
                        PersistentConnectionRegistration.class,
                        () -> RecordingConnector.registration("orders", new RecordingConnector()))
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.prices.addresses=localhost:7001",
                        "persistent-connection.connections.prices.enabled=false",
                        "persistent-connection.connections.orders.enabled=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(PersistentConnections.class).names())
                            .containsExactly("orders");
                    assertThat(context).doesNotHaveBean("pricesPersistentConnection");
                });
        runner.withPropertyValues(
                        "persistent-connection.enabled=false",
                        "persistent-connection.connections.orders.addresses=localhost:7000")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(PersistentConnections.class);
                    assertThat(context).doesNotHaveBean(PersistentConnection.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserDefinedConnection {

        @Bean(destroyMethod = "closeAsync")
        PersistentConnection<InetSocketAddress, FakeConnection> ordersPersistentConnection() {
            return PersistentConnection.builder(
                            "mine",
                            () -> java.util.concurrent.CompletableFuture.completedFuture(
                                    InetSocketAddress.createUnresolved("localhost", 1)),
                            new RecordingConnector(),
                            FakeConnection.lifecycle())
                    .build();
        }

        @Bean
        PersistentConnectionsLifecycle persistentConnectionsLifecycle(PersistentConnections connections) {
            return new PersistentConnectionsLifecycle(connections, Duration.ofSeconds(1));
        }
    }

    @Test
    void backsOffWhenTheUserDefinesTheBeans() {
        runner.withUserConfiguration(FakeConnectors.class, UserDefinedConnection.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.prices.addresses=localhost:7001")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("ordersPersistentConnection", PersistentConnection.class)
                                    .serverName())
                            .isEqualTo("mine");
                    assertThat(context)
                            .getBeans(PersistentConnectionsLifecycle.class)
                            .hasSize(1);
                    assertThat(context.getBean(PersistentConnectionsLifecycle.class)
                                    .getPhase())
                            .isEqualTo(PersistentConnectionsLifecycle.PHASE);
                    assertThat(context.getBean("pricesPersistentConnection", PersistentConnection.class)
                                    .serverName())
                            .isEqualTo("prices");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        final List<String> customized = new CopyOnWriteArrayList<>();

        @Bean
        PersistentConnectionCustomizer recordingCustomizer() {
            return (name, builder) -> customized.add(name);
        }
    }

    @Test
    void customizersSeeEveryConnection() {
        runner.withUserConfiguration(FakeConnectors.class, Customizers.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.prices.addresses=localhost:7001")
                .run(context -> assertThat(context.getBean(Customizers.class).customized)
                        .containsExactlyInAnyOrder("orders", "prices"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Listeners {

        final List<String> all = new CopyOnWriteArrayList<>();
        final List<String> ordersConnected = new CopyOnWriteArrayList<>();

        @EventListener
        void on(PersistentConnectionEvent event) {
            all.add(event.getConnectionName() + ":" + event.getKind());
        }

        @EventListener(condition = "#event.connectionName == 'orders'")
        void onOrdersConnected(PersistentConnectionEvent.Connected event) {
            ordersConnected.add(event.getServerName() + "@"
                    + event.getConnectionObject().getClass().getSimpleName());
        }

        @EventListener
        void throwing(PersistentConnectionEvent.AttemptingToConnect event) {
            throw new IllegalStateException("listener failure");
        }
    }

    @Test
    void eventsArePublishedAsApplicationEventsAndAThrowingListenerDoesNotStopTheConnection() {
        runner.withUserConfiguration(FakeConnectors.class, Listeners.class)
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:7000",
                        "persistent-connection.connections.orders.retry-delay=0s",
                        "persistent-connection.connections.prices.addresses=localhost:7001")
                .run(context -> {
                    Listeners listeners = context.getBean(Listeners.class);
                    PersistentConnections registry = context.getBean(PersistentConnections.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> listeners.all.contains("orders:Connected")
                                    && listeners.all.contains("prices:Connected"));
                    registry.dropCurrentConnection("orders");
                    await().atMost(Duration.ofSeconds(10)).until(() -> listeners.ordersConnected.size() == 2);
                    List<String> orders = listeners.all.stream()
                            .filter(e -> e.startsWith("orders:"))
                            .toList();
                    assertThat(orders)
                            .startsWith(
                                    "orders:Attempting_to_connect",
                                    "orders:Obtained_address",
                                    "orders:Connected",
                                    "orders:Disconnected",
                                    "orders:Attempting_to_connect");
                    assertThat(orders.stream()
                                    .filter(e -> !e.endsWith("Obtained_address"))
                                    .toList())
                            .containsExactly(
                                    "orders:Attempting_to_connect",
                                    "orders:Connected",
                                    "orders:Disconnected",
                                    "orders:Attempting_to_connect",
                                    "orders:Connected");
                    assertThat(listeners.ordersConnected).containsOnly("orders@FakeConnection");
                });
    }
}
