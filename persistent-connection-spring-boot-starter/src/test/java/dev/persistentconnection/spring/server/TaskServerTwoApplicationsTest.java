package dev.persistentconnection.spring.server;

import static dev.persistentconnection.spring.server.QuoteTaskController.HOLD;
import static dev.persistentconnection.spring.server.QuoteTaskController.QUOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.client.TaskCallException;
import dev.persistentconnection.spring.client.TaskDeadlineExceededException;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.spring.server.QuoteTaskController.Quote;
import dev.persistentconnection.spring.server.QuoteTaskController.QuoteRequest;
import dev.persistentconnection.tasks.TaskClient;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * A server application and client applications, each its own context: typed calls between them, graceful and
 * immediate shutdown with a task in flight, mutual TLS accepted and refused.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaskServerTwoApplicationsTest {

    @TempDir
    static Path dir;

    static Path keyStore;

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    @BeforeAll
    static void keyStore() throws Exception {
        keyStore = dir.resolve("tls.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "test",
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
    }

    @AfterEach
    void close() {
        for (int i = contexts.size() - 1; i >= 0; i--) {
            contexts.get(i).close();
        }
    }

    @Test
    void aClientApplicationCallsAServerApplication() {
        ConfigurableApplicationContext server = server();
        TaskTemplate quotes = clientOf(server).getBean("quotesTaskTemplate", TaskTemplate.class);
        assertThat(quotes.call(QUOTE, new QuoteRequest("XYZ"), Quote.class)).isEqualTo(new Quote("XYZ", 300));
    }

    @Test
    void aGracefulShutdownSaysGoodbyeAndLetsTheTaskInFlightFinish() throws Exception {
        ConfigurableApplicationContext server = server("spring.lifecycle.timeout-per-shutdown-phase=30s");
        QuoteTaskController controller = server.getBean(QuoteTaskController.class);
        ConfigurableApplicationContext client = clientOf(server);
        TaskTemplate quotes = client.getBean("quotesTaskTemplate", TaskTemplate.class);
        CompletableFuture<String> inFlight = quotes.callAsync(HOLD, "the order", String.class, Duration.ofSeconds(60));
        assertThat(controller.held.await(20, TimeUnit.SECONDS)).isTrue();
        TaskClient connection = client.getBean(PersistentConnections.class)
                .<InetSocketAddress, TaskClient>get("quotes")
                .currentConnection()
                .orElseThrow();
        ManagedTaskServer taskServer = server.getBean(ManagedTaskServer.class);
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(server::close);
        // The server says GOODBYE, but the task keeps its connection until it is done.
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(connection.closeReason())
                        .hasValueSatisfying(reason -> assertThat(reason).contains("goodbye")));
        assertThat(inFlight).isNotDone();
        controller.release.countDown();
        assertThat(inFlight.get(20, TimeUnit.SECONDS)).isEqualTo("released the order");
        shutdown.get(30, TimeUnit.SECONDS);
        assertThat(taskServer.isRunning()).isFalse();
    }

    @Test
    void anImmediateShutdownEndsTheTaskInFlight() throws Exception {
        ConfigurableApplicationContext server = server("server.shutdown=immediate");
        QuoteTaskController controller = server.getBean(QuoteTaskController.class);
        TaskTemplate quotes = clientOf(server).getBean("quotesTaskTemplate", TaskTemplate.class);
        CompletableFuture<String> inFlight = quotes.callAsync(HOLD, "x", String.class, Duration.ofSeconds(60));
        assertThat(controller.held.await(20, TimeUnit.SECONDS)).isTrue();
        server.close();
        assertThatThrownBy(() -> inFlight.get(20, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(TaskCallException.class)
                .isNotInstanceOf(TaskDeadlineExceededException.class);
    }

    @Test
    void mutualTlsAcceptsAClientWithACertificate() {
        ConfigurableApplicationContext server = server(serverTls("need"));
        TaskTemplate quotes = clientOf(server, clientTls(true)).getBean("quotesTaskTemplate", TaskTemplate.class);
        assertThat(quotes.call(QUOTE, new QuoteRequest("TLS"), Quote.class)).isEqualTo(new Quote("TLS", 300));
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificate() {
        ConfigurableApplicationContext server = server(serverTls("need"));
        TaskTemplate quotes = clientOf(server, clientTls(false)).getBean("quotesTaskTemplate", TaskTemplate.class);
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThatThrownBy(
                                () -> quotes.call(QUOTE, new QuoteRequest("TLS"), Quote.class, Duration.ofMillis(300)))
                        .isInstanceOfSatisfying(TaskDeadlineExceededException.class, ex -> {
                            assertThat(ex.stage())
                                    .isEqualTo(TaskDeadlineExceededException.Stage.WAITING_FOR_CONNECTION);
                            assertThat(ex.consecutiveFailures()).isPositive();
                            assertThat(ex.lastError()).isPresent();
                            assertThat(ex.getMessage()).containsIgnoringCase("certificate");
                        }));
        assertThat(server.getBean(ManagedTaskServer.class).numClients()).isZero();
    }

    private static String[] serverTls(String clientAuth) {
        return new String[] {
            "spring.ssl.bundle.jks.server.keystore.location=file:" + keyStore,
            "spring.ssl.bundle.jks.server.keystore.password=changeit",
            "spring.ssl.bundle.jks.server.keystore.type=PKCS12",
            "spring.ssl.bundle.jks.server.truststore.location=file:" + keyStore,
            "spring.ssl.bundle.jks.server.truststore.password=changeit",
            "spring.ssl.bundle.jks.server.truststore.type=PKCS12",
            "persistent-connection.server.ssl.bundle=server",
            "persistent-connection.server.ssl.client-auth=" + clientAuth
        };
    }

    private static String[] clientTls(boolean withCertificate) {
        List<String> properties = new ArrayList<>(List.of(
                "spring.ssl.bundle.jks.client.truststore.location=file:" + keyStore,
                "spring.ssl.bundle.jks.client.truststore.password=changeit",
                "spring.ssl.bundle.jks.client.truststore.type=PKCS12",
                "persistent-connection.connections.quotes.ssl.bundle=client"));
        if (withCertificate) {
            properties.addAll(List.of(
                    "spring.ssl.bundle.jks.client.keystore.location=file:" + keyStore,
                    "spring.ssl.bundle.jks.client.keystore.password=changeit",
                    "spring.ssl.bundle.jks.client.keystore.type=PKCS12"));
        }
        return properties.toArray(String[]::new);
    }

    private ConfigurableApplicationContext server(String... properties) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ServerApplication.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "persistent-connection.server.enabled=true",
                        "persistent-connection.server.port=0",
                        "spring.main.banner-mode=off")
                .properties(properties)
                .run();
        contexts.add(context);
        return context;
    }

    private ConfigurableApplicationContext clientOf(ConfigurableApplicationContext server, String... properties) {
        int port = server.getBean(ManagedTaskServer.class).port();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ClientApplication.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "persistent-connection.connections.quotes.addresses=127.0.0.1:" + port,
                        "persistent-connection.defaults.retry-delay=200ms",
                        "persistent-connection.defaults.jitter=0",
                        "spring.main.banner-mode=off")
                .properties(properties)
                .run();
        contexts.add(context);
        return context;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(QuoteTaskController.class)
    static class ServerApplication {}

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ClientApplication {}
}
