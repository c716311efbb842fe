package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A full server makes room for a newcomer by closing the oldest connection that has sent no task: connections that
 * do nothing, from many addresses at once, cannot keep it full. Each idle connection here comes from an address of
 * its own (127.0.0.2 and up), so no per-address limit applies.
 */
class UnusedConnectionsTest extends TestSupport {

    private final java.util.Queue<TaskServerListener.Rejection> rejections =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private TaskServer server(int maxClients) {
        // A handshake deadline far longer than the test: only the eviction can close the idle ones.
        TaskServer server = serverBuilder()
                .maxClients(maxClients)
                .listener((reason, address, detail) -> rejections.add(reason))
                .readTimeout(Duration.ofSeconds(60))
                .build();
        server.register(1, TaskHandler.of(p -> p), "echo");
        return start(server);
    }

    private Socket idleFrom(int address, TaskServer server) throws IOException {
        Socket socket = closeLater(new Socket());
        socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) address}), 0));
        socket.connect(server.localAddress(), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void whenFullANewcomerTakesThePlaceOfTheOldestConnectionThatSentNoTask() throws Exception {
        TaskServer server = server(3);
        Socket oldest = idleFrom(2, server); // never sends its hello
        await().atMost(Duration.ofSeconds(10)).until(() -> server.unusedConnections() == 1);
        Socket handshaken = idleFrom(3, server);
        handshake(handshaken); // past the hello, and idle
        Socket third = idleFrom(4, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.unusedConnections() == 3);

        TaskClient newcomer = connect(server); // from 127.0.0.1: the fourth
        assertThat(result(newcomer.submit(1, new byte[] {4}))).containsExactly(4);
        assertThat(readsUntilClosed(oldest))
                .as("the oldest idle connection made room")
                .isTrue();
        TaskClient another = connect(server);
        assertThat(result(another.submit(1, new byte[] {5}))).containsExactly(5);
        assertThat(readsUntilClosed(handshaken)).as("then the next oldest").isTrue();
        assertThat(third.isClosed()).isFalse();
        assertThat(rejections)
                .containsExactly(TaskServerListener.Rejection.EVICTED, TaskServerListener.Rejection.EVICTED);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.unusedConnections() == 1);
    }

    @Test
    void connectionsThatSentATaskAreNeverEvicted() throws Exception {
        TaskServer server = server(2);
        TaskClient first = connect(server);
        TaskClient second = connect(server);
        assertThat(result(first.submit(1, new byte[] {1}))).containsExactly(1);
        assertThat(result(second.submit(1, new byte[] {2}))).containsExactly(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.unusedConnections() == 0);

        TaskConnector connector =
                closeLater(TaskClients.connector(clientOptions().build()));
        assertThatThrownBy(() -> result(connector.connect(server.localAddress())))
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessageContaining("server full: 2 clients");
        assertThat(first.isClosed() || second.isClosed()).isFalse();
        assertThat(rejections).containsExactly(TaskServerListener.Rejection.SERVER_FULL);
        assertThat(result(first.submit(1, new byte[] {3}))).containsExactly(3);
    }
}
