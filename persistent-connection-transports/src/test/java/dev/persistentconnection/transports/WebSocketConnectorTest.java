package dev.persistentconnection.transports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The WebSocket connector against Tomcat's WebSocket server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketConnectorTest {
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    private final Recorder recorder = new Recorder();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T later(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private TomcatWebSocketServer server() throws Exception {
        return later(new TomcatWebSocketServer(false));
    }

    private WebSocketConnector connector(WebSocketConnector.Builder builder) {
        return later(builder.name("test").build());
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    @Test
    void sendsAndReceivesTextAndBinaryInOrder() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketConnector connector = connector(WebSocketConnector.builder(recorder));
        WebSocketSession session = join(connector.connect(server.uri()));
        for (int i = 0; i < 50; i++) {
            session.send("text " + i);
        }
        join(session.send(new byte[] {1, 2, 3}));
        for (int i = 0; i < 50; i++) {
            assertThat(recorder.nextText()).isEqualTo("text " + i);
        }
        Message binary = recorder.next();
        assertThat(binary.isText()).isFalse();
        assertThat(binary.bytes()).containsExactly(1, 2, 3);
        assertThat(connector.counters().messagesReceived()).isEqualTo(51);
        await().untilAsserted(
                        () -> assertThat(connector.counters().messagesSent()).isEqualTo(51));
        assertThat(connector.counters().bytesSent())
                .isEqualTo(connector.counters().bytesReceived());
        assertThat(recorder.threads).allMatch(name -> name.startsWith("websocket-"));
    }

    @Test
    void joinsAFragmentedMessage() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session =
                join(connector(WebSocketConnector.builder(recorder)).connect(server.uri()));
        session.send("fragmented");
        assertThat(recorder.nextText()).isEqualTo("hello");
        // A message bigger than the JDK's read buffer arrives in many parts too.
        session.send("big:100000");
        assertThat(recorder.nextText()).hasSize(100_000);
    }

    @Test
    void handshakeCarriesHeadersAndSubprotocols() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session = join(connector(WebSocketConnector.builder(recorder)
                        .header("Authorization", "Bearer s3cret")
                        .subprotocols(List.of("prices.v1")))
                .connect(server.uri()));
        assertThat(session.subprotocol()).isEqualTo("prices.v1");
        session.send("handshake");
        assertThat(recorder.nextText()).isEqualTo("Bearer s3cret|prices.v1");
        assertThat(session.toString()).doesNotContain("s3cret");
    }

    @Test
    void peerCloseCodeAndReasonBecomeTheCloseReason() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session =
                join(connector(WebSocketConnector.builder(recorder)).connect(server.uri()));
        session.send("close:4000:maintenance");
        join(session.closeFinished());
        assertThat(session.isClosed()).isTrue();
        assertThat(session.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .isEqualTo("closed by the peer: 4000 maintenance");
        assertThatThrownBy(() -> join(session.send("late")))
                .isInstanceOf(CompletionException.class)
                .cause()
                .hasMessageContaining("4000 maintenance");
    }

    @Test
    void silentServerIsDetectedByPings() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session = join(connector(WebSocketConnector.builder(recorder)
                        .pingInterval(Duration.ofMillis(250))
                        .pingTimeout(Duration.ofSeconds(2)))
                .connect(server.uri()));
        session.send("ping me");
        assertThat(recorder.nextText()).isEqualTo("ping me");
        // Pings are answered while the server reads: still open over several ping intervals.
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5)).until(() -> !session.isClosed());
        session.send("silent");
        join(session.closeFinished());
        assertThat(session.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .asString()
                .contains("no pong")
                .contains("within 2000 ms");
    }

    @Test
    void oversizedMessageClosesTheSessionWithAClearReason() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session =
                join(connector(WebSocketConnector.builder(recorder).maxMessageSize(1000))
                        .connect(server.uri()));
        session.send("big:1000");
        assertThat(recorder.nextText()).hasSize(1000);
        session.send("big:1001");
        join(session.closeFinished());
        assertThat(session.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .asString()
                .contains("over max-message-size 1000 bytes");
        assertThat(recorder.messages).isEmpty();
    }

    @Test
    void handlerThatThrowsIsLoggedAndTheSessionGoesOn() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session = join(connector(WebSocketConnector.builder((s, m) -> {
                    if (m.text().equals("boom")) {
                        throw new IllegalStateException("boom");
                    }
                    recorder.onMessage(s, m);
                }))
                .connect(server.uri()));
        session.send("boom");
        session.send("after");
        assertThat(recorder.nextText()).isEqualTo("after");
        assertThat(session.isClosed()).isFalse();
    }

    @Test
    void handlerThatThrowsClosesTheSessionWhenAskedTo() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session = join(connector(WebSocketConnector.builder((s, m) -> {
                            throw new IllegalStateException("boom");
                        })
                        .onHandlerError(OnHandlerError.RECONNECT))
                .connect(server.uri()));
        session.send("boom");
        join(session.closeFinished());
        assertThat(session.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .isEqualTo("the handler failed");
    }

    @Test
    void handlerRunsOnTheGivenExecutorInOrder() throws Exception {
        TomcatWebSocketServer server = server();
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> new Thread(r, "app-handler"));
        later(executor::shutdownNow);
        WebSocketSession session =
                join(connector(WebSocketConnector.builder(recorder).handlerExecutor(executor))
                        .connect(server.uri()));
        for (int i = 0; i < 200; i++) {
            session.send(Integer.toString(i));
        }
        for (int i = 0; i < 200; i++) {
            assertThat(recorder.nextText()).isEqualTo(Integer.toString(i));
        }
        assertThat(recorder.threads).containsOnly("app-handler");
    }

    @Test
    void fullOutboundBufferFailsTheSend() throws Exception {
        TomcatWebSocketServer server = server();
        WebSocketSession session =
                join(connector(WebSocketConnector.builder(recorder).outboundBufferSize(10))
                        .connect(server.uri()));
        session.send("silent"); // the server stops reading: writes pile up in the socket, then in our buffer
        byte[] chunk = new byte[64 * 1024];
        AtomicReference<Throwable> refused = new AtomicReference<>();
        for (int i = 0; i < 2000 && refused.get() == null; i++) {
            session.send(chunk).whenComplete((ok, e) -> {
                if (e instanceof OutboundBufferFullException) {
                    refused.compareAndSet(null, e);
                }
            });
        }
        await().untilAsserted(() -> assertThat(refused.get())
                .isInstanceOf(OutboundBufferFullException.class)
                .hasMessageContaining("outbound buffer")
                .hasMessageContaining("limit 10"));
    }

    @Test
    void wssThroughAnSslContext() throws Exception {
        TomcatWebSocketServer server = later(new TomcatWebSocketServer(true));
        WebSocketSession session =
                join(connector(WebSocketConnector.builder(recorder).sslContext(trustingTestCa()))
                        .connect(server.uri()));
        session.send("over tls");
        assertThat(recorder.nextText()).isEqualTo("over tls");
        // Without the test CA the handshake fails.
        WebSocketConnector untrusting = connector(WebSocketConnector.builder(recorder));
        assertThatThrownBy(() -> join(untrusting.connect(server.uri()))).cause().hasMessageContaining("cannot open");
    }

    @Test
    void notAWebSocketUriIsFatal() {
        WebSocketConnector connector = connector(WebSocketConnector.builder(recorder));
        assertThatThrownBy(() -> join(connector.connect(URI.create("http://127.0.0.1:1/"))))
                .cause()
                .isInstanceOf(dev.persistentconnection.FatalConnectException.class);
    }

    @Test
    void persistentConnectionReconnectsAfterTheServerRestarts() throws Exception {
        TomcatWebSocketServer first = new TomcatWebSocketServer(false);
        int port = first.port();
        WebSocketConnector connector = connector(WebSocketConnector.builder(recorder));
        List<String> events = new CopyOnWriteArrayList<>();
        PersistentConnection<URI, WebSocketSession> connection = PersistentConnection.builder(
                        "echo",
                        AddressSuppliers.fixed(first.uri()),
                        connector,
                        MessageSession.<WebSocketSession>lifecycle())
                .retryDelay(Duration.ofMillis(50))
                .onEvent(event -> {
                    if (event instanceof ConnectionEvent.Connected<?, ?>
                            || event instanceof ConnectionEvent.Disconnected<?, ?>) {
                        events.add(event.name());
                    }
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                })
                .build();
        later(connection::close);
        WebSocketSession session = join(connection.connected());
        session.send("one");
        assertThat(recorder.nextText()).isEqualTo("one");
        first.close();
        join(session.closeFinished());
        TomcatWebSocketServer second = later(new TomcatWebSocketServer(false, port));
        WebSocketSession again = join(connection.connected());
        assertThat(again).isNotSameAs(session);
        again.send("two");
        assertThat(recorder.nextText()).isEqualTo("two");
        assertThat(second.sessions).hasSize(1);
        assertThat(events).containsExactly("Connected", "Disconnected", "Connected");
    }

    static SSLContext trustingTestCa() throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = WebSocketConnectorTest.class.getResourceAsStream("/test-tls.p12")) {
            keyStore.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keyStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
