package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import dev.persistentconnection.spring.test.SocketConnection;
import dev.persistentconnection.spring.test.TestServer;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.CommonsClientAutoConfiguration;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** The zero-code (TaskClient) path, the catalog (DiscoveryClient) path and the custom path over real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscoveryAndZeroCodeTest {

    private final List<AutoCloseable> cleanup = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
            .withPropertyValues(
                    "persistent-connection.defaults.retry-delay=200ms",
                    "persistent-connection.defaults.jitter=0",
                    "persistent-connection.defaults.connect-timeout=2s");

    @AfterEach
    void stopServers() throws Exception {
        for (AutoCloseable closeable : cleanup) {
            closeable.close();
        }
    }

    private TaskServer taskServer() {
        TaskServer server =
                TaskServer.builder().bindAddress("127.0.0.1").port(0).build();
        server.register(1, TaskHandler.of(payload -> payload), "echo");
        server.start();
        cleanup.add(server::stop);
        return server;
    }

    @Configuration(proxyBeanMethods = false)
    static class TypedConsumer {

        @Bean
        Object consumer(@Qualifier("orders") PersistentConnection<InetSocketAddress, TaskClient> orders) {
            return orders;
        }
    }

    @Test
    void addressesAloneGiveATaskClientConnection() {
        TaskServer server = taskServer();
        runner.withUserConfiguration(TypedConsumer.class)
                .withPropertyValues("persistent-connection.connections.orders.addresses=127.0.0.1:" + server.port())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(DefaultConnectorProvider.class);
                    PersistentConnection<InetSocketAddress, TaskClient> orders =
                            context.getBean(PersistentConnections.class).get("orders");
                    TaskClient client = orders.connected().get(10, TimeUnit.SECONDS);
                    byte[] answer = client.submit(1, "hello".getBytes(StandardCharsets.UTF_8))
                            .get(10, TimeUnit.SECONDS);
                    assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("hello");
                    context.close();
                    assertThat(client.isClosed()).isTrue();
                });
    }

    @Test
    void tlsWithASpringSslBundle(@TempDir Path dir) throws Exception {
        Path keyStore = dir.resolve("tls.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-validity",
                        "2",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "san=ip:127.0.0.1,dns:localhost",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keyStore.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue())
                .as(new String(keytool.getInputStream().readAllBytes()))
                .isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keyStore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        TaskServer server = TaskServer.builder()
                .bindAddress("127.0.0.1")
                .port(0)
                .sslContext(SslContextBuilder.forServer(kmf).build())
                .build();
        server.register(1, TaskHandler.of(payload -> payload), "echo");
        server.start();
        cleanup.add(server::stop);
        runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .withPropertyValues(
                        "spring.ssl.bundle.jks.orders-client.truststore.location=file:" + keyStore,
                        "spring.ssl.bundle.jks.orders-client.truststore.password=changeit",
                        "spring.ssl.bundle.jks.orders-client.truststore.type=PKCS12",
                        "persistent-connection.connections.orders.addresses=127.0.0.1:" + server.port(),
                        "persistent-connection.connections.orders.ssl.bundle=orders-client")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PersistentConnection<InetSocketAddress, TaskClient> orders =
                            context.getBean(PersistentConnections.class).get("orders");
                    TaskClient client = orders.connected().get(10, TimeUnit.SECONDS);
                    byte[] answer = client.submit(1, "secret".getBytes(StandardCharsets.UTF_8))
                            .get(10, TimeUnit.SECONDS);
                    assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("secret");
                });
    }

    static class AddressListener {

        final List<String> addresses = new CopyOnWriteArrayList<>();

        @EventListener
        void on(PersistentConnectionEvent.ObtainedAddress event) {
            addresses.add(String.valueOf(event.getAddress()));
        }
    }

    @Test
    void discoveryLooksTheAddressUpAtEveryAttemptAndMovesToTheNextInstance() {
        TaskServer first = taskServer();
        TaskServer second = taskServer();
        runner.withConfiguration(AutoConfigurations.of(
                        SimpleDiscoveryClientAutoConfiguration.class,
                        CompositeDiscoveryClientAutoConfiguration.class,
                        CommonsClientAutoConfiguration.class,
                        UtilAutoConfiguration.class))
                .withBean(AddressListener.class)
                .withPropertyValues(
                        "spring.cloud.discovery.client.simple.instances.orders-service[0].uri=http://127.0.0.1:"
                                + first.port(),
                        "spring.cloud.discovery.client.simple.instances.orders-service[1].uri=http://127.0.0.1:"
                                + second.port(),
                        "persistent-connection.connections.orders.discovery.service-id=orders-service",
                        "persistent-connection.connections.orders.addresses=127.0.0.1:1")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PersistentConnection<InetSocketAddress, TaskClient> orders =
                            context.getBean(PersistentConnections.class).get("orders");
                    orders.connected().get(10, TimeUnit.SECONDS);
                    await().atMost(Duration.ofSeconds(10)).until(() -> first.numClients() == 1);
                    assertThat(orders.state().address())
                            .contains(InetSocketAddress.createUnresolved("127.0.0.1", first.port()));
                    first.stop();
                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> second.numClients() == 1
                                    && orders.currentConnection().isPresent());
                    assertThat(orders.state().address())
                            .contains(InetSocketAddress.createUnresolved("127.0.0.1", second.port()));
                    assertThat(context.getBean(AddressListener.class).addresses)
                            .startsWith(
                                    "127.0.0.1/<unresolved>:" + first.port(),
                                    "127.0.0.1/<unresolved>:" + second.port());
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class SocketRegistration {

        @Bean
        PersistentConnectionRegistration<InetSocketAddress, SocketConnection> ordersRegistration() {
            return SocketConnection.registration("orders");
        }
    }

    @Test
    void aCustomConnectorReplacesTheBuiltInOne() throws Exception {
        TestServer server = TestServer.start();
        cleanup.add(server);
        runner.withUserConfiguration(SocketRegistration.class)
                .withPropertyValues("persistent-connection.connections.orders.addresses=" + server.address())
                .run(context -> {
                    PersistentConnection<InetSocketAddress, SocketConnection> orders =
                            context.getBean(PersistentConnections.class).get("orders");
                    assertThat(orders.connected().get(10, TimeUnit.SECONDS)).isInstanceOf(SocketConnection.class);
                    await().atMost(Duration.ofSeconds(10)).until(() -> server.connectedClients() == 1);
                    server.stop();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> orders.currentConnection().isEmpty()
                                    && orders.state().consecutiveFailures() > 0);
                    server.restart();
                    orders.connected().get(10, TimeUnit.SECONDS);
                    await().atMost(Duration.ofSeconds(10)).until(() -> server.connectedClients() == 1);
                });
    }
}
