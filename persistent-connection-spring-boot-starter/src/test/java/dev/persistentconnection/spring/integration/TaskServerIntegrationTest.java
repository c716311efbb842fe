package dev.persistentconnection.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.PathNotFoundException;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import dev.persistentconnection.test.FreePorts;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The zero-code path end to end: a real {@link TaskServer} on 127.0.0.1, the application's health over real HTTP
 * going UP, DOWN with the error when the server stops, UP again when it comes back, and the matching events.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoint.health.show-details=always",
            "management.endpoints.web.exposure.include=health,persistentconnections",
            "persistent-connection.defaults.retry-delay=200ms",
            "persistent-connection.defaults.jitter=0",
            "persistent-connection.defaults.connect-timeout=2s",
            "persistent-connection.connections.orders.server-name=order-service",
            "spring.cloud.discovery.client.composite-indicator.enabled=false",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.group.readiness.include=readinessState,persistentConnections"
        })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TaskServerIntegrationTest {

    private static final int ECHO = 1;

    private static TaskServer server;
    private static int serverPort;

    @DynamicPropertySource
    static void serverAddress(DynamicPropertyRegistry registry) {
        // Not port 0: the server comes back on the same port, which the kernel must not hand to anyone meanwhile.
        server = startServer(FreePorts.outsideTheEphemeralRange());
        serverPort = server.port();
        registry.add("persistent-connection.connections.orders.addresses", () -> "127.0.0.1:" + serverPort);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    private static TaskServer startServer(int port) {
        TaskServer taskServer =
                TaskServer.builder().bindAddress("127.0.0.1").port(port).build();
        taskServer.register(ECHO, TaskHandler.of(payload -> payload), "echo");
        return taskServer.start();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        Events events() {
            return new Events();
        }
    }

    static class Events {

        final List<String> orders = new CopyOnWriteArrayList<>();

        @EventListener(condition = "#event.connectionName == 'orders'")
        void on(PersistentConnectionEvent event) {
            orders.add(event.getKind());
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("orders")
    PersistentConnection<InetSocketAddress, TaskClient> orders;

    @Autowired
    Events events;

    @Autowired
    MeterRegistry meterRegistry;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Order(1)
    void healthFollowsTheServerAndEventsArriveInOrder() throws Exception {
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(ordersStatus()).isEqualTo("UP"));
        String up = get("/actuator/health").body();
        assertThat(JsonPath.<String>read(up, "$.components.persistentConnections.components.orders.details.serverName"))
                .isEqualTo("order-service");
        assertThat(JsonPath.<String>read(up, "$.components.persistentConnections.components.orders.details.address"))
                .isEqualTo("127.0.0.1:" + serverPort);
        writeSample("health-up.json", up);

        // The zero-code connection is a real TaskClient.
        TaskClient client = orders.connected().get(10, TimeUnit.SECONDS);
        assertThat(new String(
                        client.submit(ECHO, "ping".getBytes(StandardCharsets.UTF_8))
                                .get(10, TimeUnit.SECONDS),
                        StandardCharsets.UTF_8))
                .isEqualTo("ping");

        server.stop();
        // DOWN comes with the Disconnected, lastError with the first refused attempt just after: wait for both.
        await().atMost(Duration.ofSeconds(20))
                .ignoreException(PathNotFoundException.class)
                .untilAsserted(() -> {
                    HttpResponse<String> response = get("/actuator/health");
                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(JsonPath.<String>read(
                                    response.body(), "$.components.persistentConnections.components.orders.status"))
                            .isEqualTo("DOWN");
                    assertThat(JsonPath.<String>read(
                                    response.body(),
                                    "$.components.persistentConnections.components.orders.details.lastError"))
                            .isNotBlank();
                    assertThat(JsonPath.<Integer>read(
                                    response.body(),
                                    "$.components.persistentConnections.components.orders.details.consecutiveFailures"))
                            .isPositive();
                });
        writeSample("health-down.json", get("/actuator/health").body());

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> tryRestart(serverPort));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(ordersStatus()).isEqualTo("UP"));

        // Health reads the engine's state, the listener gets the event in the same step: wait for the event too.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<String> orders = List.copyOf(events.orders);
            assertThat(orders)
                    .startsWith(
                            "Attempting_to_connect",
                            "Obtained_address",
                            "Connected",
                            "Disconnected",
                            "Attempting_to_connect");
            assertThat(orders).contains("Failed_to_connect");
            assertThat(orders.indexOf("Failed_to_connect")).isGreaterThan(orders.indexOf("Disconnected"));
            assertThat(orders).last().isEqualTo("Connected");
            assertThat(orders).filteredOn("Connected"::equals).hasSize(2);
        });

        assertThat(meterRegistry
                        .get("persistent.connection.attempts")
                        .tag("connection", "orders")
                        .tag("outcome", "failure")
                        .functionCounter()
                        .count())
                .isPositive();
        assertThat(meterRegistry
                        .get("persistent.connection.attempts")
                        .tag("connection", "orders")
                        .tag("outcome", "success")
                        .functionCounter()
                        .count())
                .isEqualTo(2.0);
        assertThat(meterRegistry
                        .get("persistent.connection.disconnects")
                        .tag("connection", "orders")
                        .functionCounter()
                        .count())
                .isEqualTo(1.0);
        assertThat(meterRegistry
                        .get("persistent.connection.connected")
                        .tag("connection", "orders")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
    }

    @Test
    @Order(2)
    void theEndpointReadsStatesAndDropsTheCurrentConnection() throws Exception {
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(ordersStatus()).isEqualTo("UP"));
        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<String>read(readiness.body(), "$.components.persistentConnections.status"))
                .isEqualTo("UP");
        HttpResponse<String> all = get("/actuator/persistentconnections");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<String>read(all.body(), "$.connections.orders.phase"))
                .isEqualTo("CONNECTED");
        HttpResponse<String> one = get("/actuator/persistentconnections/orders");
        assertThat(JsonPath.<String>read(one.body(), "$.serverName")).isEqualTo("order-service");
        assertThat(get("/actuator/persistentconnections/unknown").statusCode()).isEqualTo(404);
        writeSample("endpoint.json", all.body());

        TaskClient before = orders.connected().get(10, TimeUnit.SECONDS);
        HttpResponse<String> drop = http.send(
                HttpRequest.newBuilder(uri("/actuator/persistentconnections/orders"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(drop.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(drop.body(), "$.dropped")).isTrue();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> orders.currentConnection().filter(c -> c != before).isPresent());
        assertThat(before.isClosed()).isTrue();
    }

    private static boolean tryRestart(int port) {
        try {
            server = startServer(port);
            return true;
        } catch (RuntimeException ex) {
            return false; // the port may still be held for a moment
        }
    }

    /** The status of {@code orders}, or {@code null} while the health document has none (polls retry on that). */
    private String ordersStatus() throws IOException, InterruptedException {
        return JsonPath.using(Configuration.defaultConfiguration().addOptions(Option.SUPPRESS_EXCEPTIONS))
                .parse(get("/actuator/health").body())
                .read("$.components.persistentConnections.components.orders.status");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static void writeSample(String name, String json) throws IOException {
        Path dir = Path.of("target", "samples");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name), json);
    }
}
