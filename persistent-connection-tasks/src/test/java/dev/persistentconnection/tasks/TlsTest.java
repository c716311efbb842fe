package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tasks over TLS, with a self-signed test certificate (src/test/resources/test-tls.p12, password "changeit"). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest extends TestSupport {

    /**
     * The server's handshake deadline (its read timeout) and the client's connect timeout both cover the TLS
     * handshake, which the tests' usual 2 s and 5 s do not always: a JVM's first handshake, with its crypto code still
     * cold, took longer on a starved 2-core machine and the server closed the connection mid-handshake.
     */
    private static final Duration HANDSHAKE_BUDGET = Duration.ofSeconds(15);

    private static TaskServer.Builder tlsServer() throws Exception {
        return serverBuilder().readTimeout(HANDSHAKE_BUDGET).sslContext(serverContext());
    }

    private TaskClient connectTls(TaskServer server) throws Exception {
        return connect(
                server,
                clientOptions()
                        .connectTimeout(HANDSHAKE_BUDGET)
                        .sslContext(clientContext())
                        .build(),
                HANDSHAKE_BUDGET.plusSeconds(5));
    }

    private static KeyStore keyStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = TlsTest.class.getResourceAsStream("/test-tls.p12")) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static SslContext serverContext() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(), "changeit".toCharArray());
        return SslContextBuilder.forServer(kmf).build();
    }

    private static SslContext clientContext() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keyStore());
        return SslContextBuilder.forClient().trustManager(tmf).build();
    }

    @Test
    void tasksOverTls() throws Exception {
        TaskServer server = start(tlsServer().build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        TaskClient client = connectTls(server);
        assertThat(result(client.submit(1, utf8("secret")))).asString().isEqualTo("secret");
    }

    @Test
    void gracefulDisconnectOverTlsAnswersTheTasksInFlightThenCloses() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        TaskServer server = start(tlsServer().build());
        server.register(
                1,
                request -> context -> {
                    started.incrementAndGet();
                    release.await();
                    context.write(request.payload());
                },
                "held echo");
        TaskClient client = connectTls(server);
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(client.submit(1, utf8("task " + i)));
        }
        await().until(() -> started.get() == 10);
        server.disconnectAll(Duration.ofSeconds(10));
        await().until(() -> client.closeReason().isPresent()); // GOODBYE arrived
        release.countDown();
        for (int i = 0; i < 10; i++) {
            assertThat(result(answers.get(i))).asString().isEqualTo("task " + i);
        }
        result(client.closeFinished());
        await().until(() -> server.numClients() == 0);
    }

    @Test
    void plainClientCannotTalkToATlsServer() throws Exception {
        TaskServer server = start(tlsServer().build());
        TaskConnector connector = closeLater(TaskClients.connector(
                clientOptions().connectTimeout(HANDSHAKE_BUDGET).build()));
        assertThatThrownBy(() -> result(connector.connect(server.localAddress())))
                .cause()
                .isInstanceOf(IOException.class);
    }
}
