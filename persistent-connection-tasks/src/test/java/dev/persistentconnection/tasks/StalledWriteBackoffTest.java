package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A client that sends tasks and does not read their answers: the server stops reading its tasks while its answers
 * wait, and once it closes the connection for the write timeout, its address backs off before it may connect again.
 */
class StalledWriteBackoffTest extends TestSupport {
    static final long SECOND = 1_000_000_000L;
    static final int BIG = 2;

    @Test
    void theBackoffDoublesPerOffenceUpToSixtyFourTimesAndIsForgottenOnceClean() throws Exception {
        StalledWriteBackoff backoff = new StalledWriteBackoff(SECOND);
        InetAddress host = InetAddress.getByName("127.0.0.2");
        InetAddress other = InetAddress.getByName("127.0.0.3");
        assertThat(backoff.remaining(host, 0)).isZero();

        backoff.stalled(host, 0);
        assertThat(backoff.remaining(host, 0)).isEqualTo(SECOND);
        assertThat(backoff.remaining(host, SECOND / 4)).isEqualTo(3 * SECOND / 4);
        assertThat(backoff.remaining(other, 0)).isZero();

        // Again before it is forgotten (within a second of its end): twice as long.
        backoff.stalled(host, 3 * SECOND / 2);
        assertThat(backoff.remaining(host, 3 * SECOND / 2)).isEqualTo(2 * SECOND);
        for (int i = 0; i < 10; i++) {
            backoff.stalled(host, 2 * SECOND);
        }
        assertThat(backoff.remaining(host, 2 * SECOND)).isEqualTo(64 * SECOND); // at most 64 times the base

        // Clean for as long again after it ended: forgotten, and the next offence starts at the base again.
        long clean = 2 * SECOND + 128 * SECOND;
        assertThat(backoff.remaining(host, clean)).isZero();
        assertThat(backoff.addresses()).isZero();
        backoff.stalled(host, clean);
        assertThat(backoff.remaining(host, clean)).isEqualTo(SECOND);
    }

    @Test
    void theDefaultIsOneSecond() {
        assertThat(TaskServer.builder().build().settings().stalledWriteBackoff())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(TaskServer.builder()
                        .stalledWriteBackoff(Duration.ofSeconds(7))
                        .build()
                        .settings()
                        .stalledWriteBackoff())
                .isEqualTo(Duration.ofSeconds(7));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> TaskServer.builder().stalledWriteBackoff(Duration.ZERO));
    }

    @Test
    void readingStopsWhileTheAnswersWaitAndResumesWhenTheClientReads() throws Exception {
        TaskServer server = server(serverBuilder().writeTimeout(Duration.ofSeconds(60)));
        Socket socket = socketFrom("127.0.0.2", server);
        handshake(socket);
        socket.getOutputStream().write(taskFrame(1, BIG, new byte[] {8})); // 8 MiB: more than the buffers hold
        await().atMost(Duration.ofSeconds(10)).until(() -> server.clients().size() == 1);
        io.netty.channel.Channel channel =
                ((ClientView) server.clients().get(0)).session().channel();
        // The answers fill the outbound buffer: the channel is no longer writable, and it no longer reads.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !channel.isWritable() && !channel.config().isAutoRead());

        for (int id = 2; id <= 11; id++) {
            socket.getOutputStream().write(taskFrame(id, 1, new byte[] {(byte) id}));
        }
        // The client reads: every answer arrives, the big one's chunks and the ten echoes sent while reading stopped.
        DataInputStream in = new DataInputStream(socket.getInputStream());
        java.util.Set<Integer> echoed = new java.util.HashSet<>();
        while (echoed.size() < 10) {
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            if (body[0] == Frame.OK) {
                int id = java.nio.ByteBuffer.wrap(body, 1, 4).getInt();
                if (id != 1) {
                    assertThat(body[body.length - 1]).isEqualTo((byte) id);
                    echoed.add(id);
                }
            }
        }
        assertThat(echoed).hasSize(10);
    }

    @Test
    void anAddressWhoseConnectionStalledAWriteIsResetWhenItReconnectsAndOthersAreServed() throws Exception {
        Queue<TaskServerListener.Rejection> rejections = new ConcurrentLinkedQueue<>();
        TaskServer server = server(serverBuilder()
                .writeTimeout(Duration.ofMillis(200))
                .stalledWriteBackoff(Duration.ofMinutes(10)) // far longer than this test: the reconnect is within it
                .listener((reason, address, detail) -> rejections.add(reason)));
        Socket stuck = socketFrom("127.0.0.2", server);
        handshake(stuck);
        stuck.getOutputStream().write(taskFrame(1, BIG, new byte[] {64})); // never read
        await().atMost(Duration.ofSeconds(10)).until(() -> server.clients().size() == 1);
        ConnectedClient stuckClient = server.clients().get(0);
        await().atMost(Duration.ofSeconds(10)).until(stuckClient::isClosed);
        assertThat(stuckClient.closeReason()).hasValue("write timeout");

        assertThat(closedWithoutAReply("127.0.0.2", server)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.acceptsReset() == 1);
        assertThat(rejections).containsExactly(TaskServerListener.Rejection.STALLED_WRITE_BACKOFF);

        // Another address is served as before.
        TaskClient client = connect(server);
        assertThat(result(client.submit(1, new byte[] {3}))).containsExactly(3);
    }

    private TaskServer server(TaskServer.Builder builder) {
        TaskServer server = builder.build();
        server.register(1, TaskHandler.of(p -> p), "echo");
        server.register(
                BIG,
                request -> context -> {
                    int mebibytes = request.payload()[0];
                    for (int i = 0; i < mebibytes; i++) {
                        context.write(new byte[1 << 20]);
                    }
                },
                "big");
        return start(server);
    }

    private Socket socketFrom(String source, TaskServer server) throws IOException {
        Socket socket = closeLater(new Socket());
        socket.setReceiveBufferSize(4096); // before the connect: a small window, so the server's writes stall soon
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(server.localAddress(), 5000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    /**
     * Connects and sends the hello: true if the server closed or reset the connection before any reply (the reset
     * may even reach the connect), false if one came.
     */
    private boolean closedWithoutAReply(String source, TaskServer server) {
        try {
            Socket s = socketFrom(source, server);
            s.getOutputStream().write(hello(Handshake.VERSION));
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
