package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.FatalConnectException;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.test.FreePorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A {@link PersistentConnection} keeps a {@link TaskClient} connected across server restarts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PersistentTaskConnectionTest extends TestSupport {

    private TaskServer echoServer(int port) {
        TaskServer server = serverBuilder().port(port).build();
        server.register(1, TaskHandler.of(p -> p), "echo");
        return start(server);
    }

    @Test
    void reconnectsAfterTheServerIsStoppedAndStartedOnTheSamePort() throws Exception {
        // Not port 0: the second server listens on the same port, which the kernel must not hand out meanwhile.
        TaskServer first = echoServer(FreePorts.outsideTheEphemeralRange());
        int port = first.port();
        TaskConnector connector =
                closeLater(TaskClients.connector(clientOptions().build()));
        PersistentConnection<InetSocketAddress, TaskClient> connection = closeLater(PersistentConnection.builder(
                        "tasks",
                        AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", port)),
                        connector,
                        TaskClients.lifecycle())
                .retryDelay(() -> Duration.ofMillis(100))
                .build());
        List<String> events = new CopyOnWriteArrayList<>();
        closeLater(connection.subscribe(e -> events.add(e.getClass().getSimpleName())));

        TaskClient client = connection.connected().get(10, TimeUnit.SECONDS);
        assertThat(result(client.submit(1, utf8("one")))).asString().isEqualTo("one");

        first.stop();
        result(client.closeFinished());
        await().until(() -> events.contains("Disconnected"));
        await().until(() -> events.contains("FailedToConnect")); // nothing listens for a while

        TaskServer second = echoServer(port);
        await().until(() -> connection
                .currentConnection()
                .filter(c -> c != client && !c.isClosed())
                .isPresent());
        TaskClient again = connection.connected().get(10, TimeUnit.SECONDS);
        assertThat(again).isNotSameAs(client);
        assertThat(result(again.submit(1, utf8("two")))).asString().isEqualTo("two");
        assertThat(events)
                .containsSubsequence(
                        "Connected", "Disconnected", "AttemptingToConnect", "FailedToConnect", "Connected");
        assertThat(second.numClients()).isEqualTo(1);
    }

    @Test
    void roundRobinReplacesADeadReplica() throws Exception {
        TaskServer live = echoServer(0);
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        TaskConnector connector =
                closeLater(TaskClients.connector(clientOptions().build()));
        PersistentConnection<InetSocketAddress, TaskClient> connection = closeLater(PersistentConnection.builder(
                        "replicas",
                        AddressSuppliers.roundRobin(
                                List.of(new InetSocketAddress("127.0.0.1", deadPort), live.localAddress())),
                        connector,
                        TaskClients.lifecycle())
                .retryDelay(() -> Duration.ofMillis(50))
                .build());
        TaskClient client = connection.connected().get(10, TimeUnit.SECONDS);
        assertThat(client.remoteAddress().getPort()).isEqualTo(live.port());
        assertThat(result(client.submit(1, utf8("rr")))).asString().isEqualTo("rr");
    }

    @Test
    void aRefusedHandshakeStopsRetrying() throws Exception {
        ServerSocket listener = closeLater(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        Thread peer = new Thread(
                () -> {
                    // Refuses version 2, then the client's second try with version 1.
                    for (int attempt = 0; attempt < 2; attempt++) {
                        try (Socket s = listener.accept()) {
                            s.getInputStream().readNBytes(Handshake.HELLO_SIZE);
                            byte[] reason = utf8("speaks version 9 only");
                            s.getOutputStream()
                                    .write(ByteBuffer.allocate(7 + reason.length)
                                            .putInt(Handshake.MAGIC)
                                            .put((byte) Handshake.UNSUPPORTED_VERSION)
                                            .putShort((short) reason.length)
                                            .put(reason)
                                            .array());
                            s.getInputStream().read();
                        } catch (Exception ignored) {
                            // test peer
                        }
                    }
                },
                "refusing-peer");
        peer.setDaemon(true);
        peer.start();
        TaskConnector connector =
                closeLater(TaskClients.connector(clientOptions().build()));
        List<ConnectionEvent<InetSocketAddress, TaskClient>> events = new CopyOnWriteArrayList<>();
        PersistentConnection<InetSocketAddress, TaskClient> connection = closeLater(PersistentConnection.builder(
                        "refused",
                        AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", listener.getLocalPort())),
                        connector,
                        TaskClients.lifecycle())
                .retryDelay(() -> Duration.ofMillis(50))
                .build());
        closeLater(connection.subscribe(events::add));
        await().until(() -> connection.connectedOrFailedToConnect().isDone());
        assertThat(connection.connectedOrFailedToConnect()).isCompletedExceptionally();
        await().untilAsserted(() -> assertThat(events)
                .anySatisfy(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                ConnectionEvent.FailedToConnect.class,
                                f -> assertThat(f.error())
                                        .isInstanceOf(FatalConnectException.class)
                                        .hasMessageContaining("unsupported version"))));
        peer.join(5000);
    }
}
