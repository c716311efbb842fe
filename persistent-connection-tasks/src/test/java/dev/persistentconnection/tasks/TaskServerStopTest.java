package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskServer#stop()} closes every connection it accepted, not only its clients: one still in the handshake,
 * one being refused, one mid-hello. A connection it left open would keep its socket (a file descriptor) after the
 * server has gone, for good once its event loop has ended.
 */
class TaskServerStopTest extends TestSupport {

    private Socket rawConnection(TaskServer server) throws IOException {
        Socket socket = closeLater(new Socket());
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void stopClosesConnectionsThatAreNotClientsYet() throws Exception {
        // A handshake deadline far longer than the test: only stop() can close these.
        TaskServer server = start(serverBuilder()
                .readTimeout(Duration.ofSeconds(60))
                .maxAcceptRatePerAddress(1000)
                .build());
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            silent.add(rawConnection(server)); // never sends its hello
        }
        Socket halfHello = rawConnection(server);
        halfHello.getOutputStream().write(hello(Handshake.VERSION), 0, 3);
        TaskClient client = connect(server);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(server.numClients()).isEqualTo(1));

        server.stop();

        for (Socket s : silent) {
            assertThat(readsUntilClosed(s))
                    .as("a connection that never sent its hello")
                    .isTrue();
        }
        assertThat(readsUntilClosed(halfHello))
                .as("a connection in the middle of its hello")
                .isTrue();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.closeFinished().isDone());
    }
}
