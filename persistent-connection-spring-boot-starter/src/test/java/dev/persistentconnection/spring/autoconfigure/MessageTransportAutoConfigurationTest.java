package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.health.PersistentConnectionHealthContributorAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.metrics.PersistentConnectionMetricsAutoConfiguration;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import dev.persistentconnection.spring.health.PersistentConnectionHealthIndicator;
import dev.persistentconnection.spring.metrics.MessageTransportMetrics;
import dev.persistentconnection.spring.test.TomcatEchoServer;
import dev.persistentconnection.transports.MessageConnector;
import dev.persistentconnection.transports.MessageHandler;
import dev.persistentconnection.transports.TcpSession;
import dev.persistentconnection.transports.WebSocketSession;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** The zero-code WebSocket and TCP connections: properties plus one handler bean each. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MessageTransportAutoConfigurationTest {

    private final List<AutoCloseable> cleanup = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    PersistentConnectionAutoConfiguration.class,
                    PersistentConnectionHealthContributorAutoConfiguration.class,
                    PersistentConnectionMetricsAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues(
                    "persistent-connection.defaults.retry-delay=100ms", "persistent-connection.defaults.jitter=0");

    @AfterEach
    void stop() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** One handler per connection, each recording what it receives. */
    @Configuration(proxyBeanMethods = false)
    static class Handlers {
        static final BlockingQueue<String> PRICES = new LinkedBlockingQueue<>();
        static final BlockingQueue<String> TELEMETRY = new LinkedBlockingQueue<>();
        static final List<String> EVENTS = new CopyOnWriteArrayList<>();

        @Bean
        @Qualifier("prices")
        MessageHandler pricesHandler() {
            return (session, message) -> PRICES.add(message.text());
        }

        @Bean
        @Qualifier("telemetry")
        MessageHandler telemetryHandler() {
            return (session, message) -> TELEMETRY.add(message.text());
        }

        @EventListener
        void on(PersistentConnectionEvent event) {
            if (event.getConnectionName().equals("prices")
                    && (event.getKind().equals("Connected") || event.getKind().equals("Disconnected"))) {
                EVENTS.add(event.getKind());
            }
        }
    }

    /** A line peer that echoes each line it reads back, and can send lines of its own. */
    static final class LinePeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        LinePeer() throws Exception {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket socket = server.accept();
                        accepted.add(socket);
                        Thread reader = new Thread(() -> {
                            try (BufferedReader in = new BufferedReader(
                                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = in.readLine()) != null) {
                                    lines.add(line);
                                }
                            } catch (Exception ex) {
                                // closed
                            }
                        });
                        reader.setDaemon(true);
                        reader.start();
                    }
                } catch (Exception ex) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    private static String take(BlockingQueue<String> queue) throws InterruptedException {
        String value = queue.poll(30, TimeUnit.SECONDS);
        assertThat(value).as("a message within 10 s").isNotNull();
        return value;
    }

    @Test
    void websocketAndTcpConnectionsFromPropertiesAndOneHandlerEach() throws Exception {
        Handlers.PRICES.clear();
        Handlers.TELEMETRY.clear();
        Handlers.EVENTS.clear();
        TomcatEchoServer ws = new TomcatEchoServer();
        cleanup.add(ws);
        LinePeer tcp = new LinePeer();
        cleanup.add(tcp);
        runner.withUserConfiguration(Handlers.class)
                .withPropertyValues(
                        "FEED_TOKEN=t0ken",
                        "persistent-connection.connections.prices.websocket.uri=" + ws.uri(),
                        "persistent-connection.connections.prices.websocket.headers.Authorization=Bearer ${FEED_TOKEN}",
                        "persistent-connection.connections.prices.websocket.ping-interval=10s",
                        "persistent-connection.connections.prices.websocket.ping-timeout=5s",
                        "persistent-connection.connections.telemetry.tcp.addresses=127.0.0.1:" + tcp.port(),
                        "persistent-connection.connections.telemetry.tcp.framing=line",
                        "persistent-connection.connections.telemetry.tcp.idle-timeout=30s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    PersistentConnection<URI, WebSocketSession> prices = connections.get("prices");
                    PersistentConnection<InetSocketAddress, TcpSession> telemetry = connections.get("telemetry");

                    WebSocketSession feed = prices.connected().get(30, TimeUnit.SECONDS);
                    feed.send("EURUSD 1.0842").toCompletableFuture().get(30, TimeUnit.SECONDS);
                    assertThat(take(Handlers.PRICES)).isEqualTo("EURUSD 1.0842");
                    assertThat(ws.authorizations).containsExactly("Bearer t0ken");

                    TcpSession stream = telemetry.connected().get(30, TimeUnit.SECONDS);
                    OutputStream out = tcp.accepted.poll(30, TimeUnit.SECONDS).getOutputStream();
                    out.write("cpu 0.42\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    assertThat(take(Handlers.TELEMETRY)).isEqualTo("cpu 0.42");
                    stream.send("ack").toCompletableFuture().get(30, TimeUnit.SECONDS);
                    assertThat(take(tcp.lines)).isEqualTo("ack");

                    MeterRegistry meters = new SimpleMeterRegistry();
                    context.getBean(MessageTransportMetrics.class).bindTo(meters);
                    await().untilAsserted(() -> {
                        assertThat(meters.get("persistent.connection.messages.received")
                                        .tag("connection", "prices")
                                        .functionCounter()
                                        .count())
                                .isEqualTo(1.0);
                        assertThat(meters.get("persistent.connection.messages.sent")
                                        .tag("connection", "telemetry")
                                        .functionCounter()
                                        .count())
                                .isEqualTo(1.0);
                        assertThat(meters.get("persistent.connection.bytes.received")
                                        .tag("connection", "telemetry")
                                        .functionCounter()
                                        .count())
                                .isEqualTo(8.0);
                    });

                    // The server closes with a code: reconnected, and the code and reason are health's last error.
                    feed.send("close:4000:maintenance");
                    feed.closeFinished().toCompletableFuture().get(30, TimeUnit.SECONDS);
                    WebSocketSession again = await().until(
                                    () -> prices.currentConnection().orElse(null),
                                    session -> session != null && session != feed);
                    assertThat(again.isClosed()).isFalse();
                    PersistentConnectionHealthIndicator health = new PersistentConnectionHealthIndicator(
                            connections.findManaged("prices").orElseThrow());
                    assertThat(health.health().getDetails().get("lastError"))
                            .asString()
                            .contains("closed by the peer: 4000 maintenance");
                    await().untilAsserted(() ->
                            assertThat(Handlers.EVENTS).containsExactly("Connected", "Disconnected", "Connected"));
                });
    }

    @Test
    void aConnectionWithoutItsHandlerFailsNamingTheFix() {
        runner.withPropertyValues("persistent-connection.connections.prices.websocket.uri=ws://127.0.0.1:1/ws")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.prices'")
                            .contains("no MessageHandler bean");
                    assertThat(analysis.getAction()).contains("@Qualifier(\"prices\") MessageHandler");
                });
    }

    @Test
    void withoutTheTransportsModuleAWebSocketConnectionFailsNamingTheDependency() {
        runner.withClassLoader(new FilteredClassLoader(MessageConnector.class))
                .withPropertyValues("persistent-connection.connections.prices.websocket.uri=ws://127.0.0.1:1/ws")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.prices.websocket'")
                            .contains("persistent-connection-transports is not on the classpath");
                    assertThat(analysis.getAction()).contains("persistent-connection-transports");
                });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "persistent-connection.connections.prices.websocket.uri[0]              | http://h/x | not a WebSocket URI    | ws://host:port/path",
                "persistent-connection.connections.prices.websocket.path                | v1/prices  | must start with /      | /v1/prices",
                "persistent-connection.connections.prices.websocket.headers[Host]       | evil       | sets this header itself | Remove it",
                "persistent-connection.connections.prices.websocket.ping-interval       | -1s        | must not be negative   | zero or a positive duration",
                "persistent-connection.connections.prices.websocket.ping-timeout        | 0s         | must be positive       | a positive duration",
                "persistent-connection.connections.prices.websocket.max-message-size    | 0B         | must be positive       | a positive size",
                "persistent-connection.connections.prices.websocket.max-message-size    | 3GB        | below 2GB              | a positive size",
                "persistent-connection.connections.prices.websocket.outbound-buffer-size | 0B        | must be positive       | a positive size",
                "persistent-connection.connections.prices.websocket.send-wait-timeout   | -1s        | must not be negative   | zero or a positive duration",
                "persistent-connection.connections.telemetry.tcp.addresses[0]           | nowhere    | not of the form host:port | host:port",
                "persistent-connection.connections.telemetry.tcp.line.charset           | NOPE-8     | no such charset        | UTF-8",
                "persistent-connection.connections.telemetry.tcp.length-field.length    | 5          | 1, 2, 3, 4 or 8        | 1, 2, 3, 4 or 8",
                "persistent-connection.connections.telemetry.tcp.length-field.offset    | -1         | must not be negative   | 0 or more",
                "persistent-connection.connections.telemetry.tcp.length-field.bytes-to-strip | 9     | between 0 and offset + length | 4",
                "persistent-connection.connections.telemetry.tcp.idle-timeout           | -1s        | must not be negative   | zero or a positive duration",
                "persistent-connection.connections.telemetry.tcp.keep-alive-idle        | 0s         | must be positive       | a positive duration",
                "persistent-connection.connections.telemetry.tcp.keep-alive-interval    | 0s         | must be positive       | a positive duration",
                "persistent-connection.connections.telemetry.tcp.keep-alive-count       | 0          | must be positive       | 1 or more",
                "persistent-connection.connections.telemetry.tcp.tcp-user-timeout       | 0s         | must be positive       | a positive duration",
                "persistent-connection.defaults.tcp.idle-timeout                        | -5s        | must not be negative   | zero or a positive duration",
            })
    void invalidValueIsReportedWithThePropertyAndTheFix(String property, String value, String reason, String action) {
        runner.withUserConfiguration(Handlers.class)
                .withPropertyValues(
                        "persistent-connection.connections.prices.websocket.ping-timeout=5s",
                        "persistent-connection.connections.telemetry.tcp.framing=line",
                        property.replace("[0]", "") + "=" + value)
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    String shown = property.contains(".headers[") ? "(hidden)" : value;
                    assertThat(analysis.getDescription())
                            .contains("'" + property + "'")
                            .contains(shown)
                            .contains(reason)
                            .doesNotContain("evil");
                    assertThat(analysis.getAction()).contains(action);
                });
    }

    @Test
    void aConnectionCannotBeBothWebSocketAndTcp() {
        runner.withUserConfiguration(Handlers.class)
                .withPropertyValues(
                        "persistent-connection.connections.prices.websocket.uri=ws://127.0.0.1:1/ws",
                        "persistent-connection.connections.prices.tcp.addresses=127.0.0.1:1")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("both websocket.* and tcp.*");
                });
    }

    @Test
    void aWebSocketConnectionWithoutAUriFails() {
        runner.withUserConfiguration(Handlers.class)
                .withPropertyValues("persistent-connection.connections.prices.websocket.ping-interval=10s")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.prices.websocket.uri'")
                            .contains("no URI");
                });
    }

    @Test
    void everyTransportPropertyHasADescriptionInTheIdeMetadata() throws Exception {
        String metadata;
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String property : List.of(
                "websocket.uri",
                "websocket.path",
                "websocket.headers",
                "websocket.subprotocols",
                "websocket.ping-interval",
                "websocket.ping-timeout",
                "websocket.max-message-size",
                "websocket.outbound-buffer-size",
                "websocket.when-full",
                "websocket.send-wait-timeout",
                "websocket.handler-thread",
                "websocket.on-handler-error",
                "tcp.addresses",
                "tcp.framing",
                "tcp.line.charset",
                "tcp.line.delimiter",
                "tcp.length-field.offset",
                "tcp.length-field.length",
                "tcp.length-field.adjustment",
                "tcp.length-field.bytes-to-strip",
                "tcp.length-field.byte-order",
                "tcp.idle-timeout",
                "tcp.keep-alive",
                "tcp.keep-alive-idle",
                "tcp.keep-alive-interval",
                "tcp.keep-alive-count",
                "tcp.tcp-user-timeout",
                "tcp.native-transport")) {
            String name = "\"persistent-connection.defaults." + property + "\"";
            int at = metadata.indexOf("\"name\": " + name);
            assertThat(at).as(property).isPositive();
            String entry = metadata.substring(at, metadata.indexOf('}', at));
            assertThat(entry).as(property).contains("\"description\"");
        }
    }

    private static FailureAnalysis analyze(Throwable failure) {
        assertThat(failure).isNotNull();
        FailureAnalysis analysis = new InvalidPersistentConnectionPropertyFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }
}
