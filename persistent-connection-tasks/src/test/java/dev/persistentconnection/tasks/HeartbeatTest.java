package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A half-open connection (a peer that handshakes, then goes silent) turns into a close on both sides. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HeartbeatTest extends TestSupport {

    @Test
    void serverClosesASilentClient() throws Exception {
        TaskServer server = start(serverBuilder()
                .heartbeatInterval(Duration.ofMillis(100))
                .heartbeatTimeout(Duration.ofMillis(600))
                .build());
        Socket silent = rawSocket(server.localAddress());
        handshake(silent);
        await().until(() -> server.numClients() == 1);
        ConnectedClient view = server.clients().get(0);
        // The raw peer reads (the server's PINGs) but never writes: the server must give up on it.
        assertThat(readsUntilClosed(silent)).isTrue();
        await().until(() -> server.numClients() == 0);
        assertThat(view.closeReason()).hasValueSatisfying(r -> assertThat(r).contains("heartbeat timeout"));
    }

    @Test
    void anActiveClientIsKeptAliveByPings() throws Exception {
        // The timeout is 10 intervals: a loaded machine may stall a timer for a few hundred milliseconds, and that
        // must not pass for silence (seen with 50 ms / 400 ms under a parallel build).
        TaskServer server = start(serverBuilder()
                .heartbeatInterval(Duration.ofMillis(100))
                .heartbeatTimeout(Duration.ofSeconds(1))
                .build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        TaskClient client = connect(
                server,
                clientOptions()
                        .heartbeatInterval(Duration.ofMillis(100))
                        .heartbeatTimeout(Duration.ofSeconds(1))
                        .build());
        // Idle for three heartbeat timeouts: the PING/PONG traffic keeps both sides open.
        await().during(Duration.ofMillis(3000)).atMost(Duration.ofSeconds(10)).until(() -> !client.isClosed());
        assertThat(result(client.submit(1, utf8("alive")))).asString().isEqualTo("alive");
    }

    @Test
    void clientClosesASilentServerAndFailsItsTasks() throws Exception {
        ServerSocket listener = closeLater(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = listener.accept();
                new DataInputStream(s.getInputStream()).readFully(new byte[Handshake.HELLO_SIZE]);
                s.getOutputStream()
                        .write(ByteBuffer.allocate(Handshake.ACCEPT_SIZE)
                                .putInt(Handshake.MAGIC)
                                .put((byte) Handshake.ACCEPTED)
                                .put((byte) Handshake.VERSION)
                                .putInt(1 << 20)
                                .putInt(16)
                                .array());
                return s; // and never says anything again
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        TaskConnector connector = closeLater(TaskClients.connector(clientOptions()
                .heartbeatInterval(Duration.ofMillis(100))
                .heartbeatTimeout(Duration.ofMillis(600))
                .build()));
        TaskClient client = closeLater(result(
                connector.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()))));
        closeLater(accepted.get(5, TimeUnit.SECONDS));
        CompletableFuture<byte[]> pending = client.submit(1, new byte[0]);
        assertThatThrownBy(() -> result(pending))
                .cause()
                .isInstanceOf(ConnectionLostException.class)
                .hasMessageContaining("heartbeat timeout");
        result(client.closeFinished());
        assertThat(client.isClosed()).isTrue();
    }

    @Test
    void aPingThatArrivedWhileTheServerWasBusyIsReadBeforeTheTimeoutCloses() throws Exception {
        // A starved machine, or an event loop serving thousands of ready connections, does this: the loop is busy
        // for longer than the heartbeat timeout while a client's PING arrives in its socket; when the loop is free
        // again, the heartbeat timer comes due before the next select would have read the PING. Here a handler run
        // on the server's only I/O thread keeps it busy. The server must read the PING (and answer PONG), not close.
        Duration timeout = Duration.ofSeconds(2);
        TaskServer server = start(serverBuilder()
                .ioThreads(1)
                .runHandlersOnIoThread(true)
                .heartbeatInterval(Duration.ofMillis(100))
                .heartbeatTimeout(timeout)
                .build());
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch pingSent = new CountDownLatch(1);
        long[] busyUntil = new long[1];
        server.register(
                1,
                TaskHandler.of(payload -> {
                    busy.countDown();
                    pingSent.await(10, TimeUnit.SECONDS);
                    long left;
                    while ((left = busyUntil[0] - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(left);
                    }
                    return payload;
                }),
                "busy");
        TaskClient busyClient = connect(
                server, clientOptions().heartbeatTimeout(Duration.ofSeconds(10)).build());
        Socket pinging = rawSocket(server.localAddress());
        handshake(pinging); // from here the server counts the raw client's silence
        await().until(() -> server.numClients() == 2);
        ConnectedClient view = server.clients().stream()
                .filter(c -> ((InetSocketAddress) c.remoteAddress()).getPort() == pinging.getLocalPort())
                .findFirst()
                .orElseThrow();
        busyUntil[0] = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(300);
        CompletableFuture<byte[]> answer = busyClient.submit(1, utf8("busy"));
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
        pinging.getOutputStream().write(new byte[] {0, 0, 0, 1, Frame.PING});
        pinging.getOutputStream().flush();
        pingSent.countDown();
        assertThat(result(answer)).asString().isEqualTo("busy");
        // The server's PINGs written before and after the busy spell, then its PONG: the PING was read in time.
        DataInputStream in = new DataInputStream(pinging.getInputStream());
        boolean pong = false;
        try {
            while (!pong) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                pong = frame[0] == Frame.PONG;
            }
        } catch (java.io.IOException closed) {
            // the server closed the connection: the assertion below says so
        }
        assertThat(pong)
                .as("PONG before the server closed (close reason: %s)", view.closeReason())
                .isTrue();
        assertThat(server.numClients()).isEqualTo(2);
    }
}
