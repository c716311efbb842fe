package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What one remote host may take of a server (connections, task threads), and the heartbeat limits that keep a
 * flooding peer cheap. A second host is simulated by a raw socket bound to 127.0.0.2 (all of 127/8 is loopback).
 */
class AddressSharesTest extends TestSupport {
    static final int BLOCKING = 7;

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostRunning = new AtomicInteger();

    private TaskServer server(TaskServer.Builder builder) {
        TaskServer server = builder.build();
        server.register(1, TaskHandler.of(p -> p), "echo");
        server.register(
                BLOCKING,
                request -> context -> {
                    mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } finally {
                        running.decrementAndGet();
                    }
                    context.write(new byte[] {1});
                },
                "blocking");
        return start(server);
    }

    private Socket socketFrom(String source, TaskServer server) throws IOException {
        Socket socket = closeLater(new Socket());
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(server.localAddress(), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads the handshake reply's status, and its reason if it is a refusal. */
    private static String reply(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        in.readInt();
        int status = in.readUnsignedByte();
        if (status == Handshake.ACCEPTED) {
            in.readFully(new byte[Handshake.ACCEPT_SIZE - 5]);
            return "accepted";
        }
        byte[] reason = new byte[in.readUnsignedShort()];
        in.readFully(reason);
        return Handshake.statusName(status) + ": " + new String(reason, StandardCharsets.UTF_8);
    }

    @Test
    void oneHostCannotHoldMoreThanItsConnectionsEvenBeforeTheHello() throws Exception {
        // A handshake deadline far longer than the test, so that only the limit can refuse the third. One I/O
        // thread: connections are counted as each is set up on its thread, so with two the third could be counted
        // before the second and the second refused.
        TaskServer server = server(serverBuilder()
                .ioThreads(1)
                .maxClients(10)
                .maxClientsPerAddress(2)
                .maxAcceptRatePerAddress(100) // not the accept rate (by default 2 a second here)
                .readTimeout(Duration.ofSeconds(60)));
        Socket first = socketFrom("127.0.0.2", server); // never sends its hello
        Socket second = socketFrom("127.0.0.2", server);
        Socket third = socketFrom("127.0.0.2", server);
        assertThat(reply(third)).isEqualTo("server full: server full for 127.0.0.2: 2 connections from one address");

        // Another host is served as usual.
        TaskClient other = connect(server);
        assertThat(result(other.submit(1, new byte[] {5}))).containsExactly(5);

        // The limit counts connections, not a history: once they go, the host may connect again.
        first.close();
        second.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Socket again = socketFrom("127.0.0.2", server);
            again.getOutputStream().write(hello(Handshake.VERSION));
            assertThat(reply(again)).isEqualTo("accepted");
        });
    }

    @Test
    void theDefaultLimitIsAQuarterOfTheDefaultMaxClients() {
        assertThat(TaskServer.DEFAULT_MAX_CLIENTS_PER_ADDRESS).isEqualTo(TaskServer.DEFAULT_MAX_CLIENTS / 4);
        assertThat(TaskServer.DEFAULT_WAIT_TIMEOUT).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void oneHostsTasksHoldAtMostItsShareOfTaskThreadsAndOthersStillRun() throws Exception {
        TaskServer server = server(serverBuilder().taskThreads(8).maxTaskThreadsPerAddress(2));
        TaskClient client = connect(server); // from 127.0.0.1
        List<CompletableFuture<byte[]>> blocked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            blocked.add(client.submit(BLOCKING, new byte[0]));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> running.get() == 2);
        // The four others are in flight at the server, waiting for the host's share, not for a thread.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.clients().get(0).tasks().size() == 6);

        // A task from another host runs at once.
        Socket other = socketFrom("127.0.0.2", server);
        handshake(other);
        other.getOutputStream().write(taskFrame(1, 1, new byte[] {9}));
        DataInputStream in = new DataInputStream(other.getInputStream());
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        assertThat(body[0]).isEqualTo(Frame.OK);
        assertThat(body[body.length - 1]).isEqualTo((byte) 9);

        release.countDown();
        for (CompletableFuture<byte[]> f : blocked) {
            assertThat(result(f)).containsExactly(1);
        }
        assertThat(mostRunning.get()).isEqualTo(2);
        other.close();
        client.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.addressesTracked() == 0);
    }

    @Test
    void theDefaultShareIsHalfTheServersOwnPool() throws Exception {
        TaskServer server = server(serverBuilder().taskThreads(4));
        TaskClient client = connect(server);
        List<CompletableFuture<byte[]>> blocked = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocked.add(client.submit(BLOCKING, new byte[0]));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        running.get() == 2 && server.clients().get(0).tasks().size() == 4);
        release.countDown();
        for (CompletableFuture<byte[]> f : blocked) {
            result(f);
        }
        assertThat(mostRunning.get()).isEqualTo(2);
    }

    @Test
    void aPingFloodIsClosedAndItsPongsDoNotPileUp() throws Exception {
        java.util.Queue<String> reported = new java.util.concurrent.ConcurrentLinkedQueue<>();
        TaskServer server = server(
                serverBuilder().listener((reason, address, detail) -> reported.add(reason.tag() + " " + detail)));
        Socket socket = rawSocket(server.localAddress());
        handshake(socket);
        ByteBuffer pings = ByteBuffer.allocate(5 * 200);
        for (int i = 0; i < 200; i++) {
            pings.putInt(1).put(Frame.PING);
        }
        socket.getOutputStream().write(pings.array());
        // At most one PONG per read came back before the close: far fewer than 200 (the socket's whole input).
        byte[] all = socket.getInputStream().readAllBytes();
        assertThat(all.length).isLessThan(5 * 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.numClients() == 0);
        // Told to the server's listener as a protocol error, like any other violation.
        assertThat(reported).containsExactly("protocol-error protocol error: more than 100 PINGs within one second");
    }

    @Test
    void aPingIsStillAnswered() throws Exception {
        TaskServer server = server(
                serverBuilder().heartbeatInterval(Duration.ofSeconds(5)).heartbeatTimeout(Duration.ofSeconds(10)));
        Socket socket = rawSocket(server.localAddress());
        handshake(socket);
        socket.getOutputStream().write(new byte[] {0, 0, 0, 1, Frame.PING});
        byte[] pong = new byte[5];
        new DataInputStream(socket.getInputStream()).readFully(pong);
        assertThat(pong).containsExactly(0, 0, 0, 1, Frame.PONG);
    }

    @Test
    void aCancelStormIsClosed() throws Exception {
        AtomicInteger protocolErrors = new AtomicInteger();
        TaskServer server = server(serverBuilder().listener((reason, address, detail) -> {
            if (reason == TaskServerListener.Rejection.PROTOCOL_ERROR) {
                protocolErrors.incrementAndGet();
            }
        }));
        Socket socket = rawSocket(server.localAddress());
        handshake(socket);
        socket.getOutputStream().write(cancels(1_000_000, 2 * ClientSession.MAX_UNKNOWN_CANCELS));
        assertThat(readsUntilClosed(socket)).isTrue();
        // Told once, not for every CANCEL decoded after the close.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(protocolErrors.get()).isEqualTo(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.numClients() == 0);
    }

    @Test
    void aCancelPerTaskThatCrossedItsAnswerIsNoStorm() throws Exception {
        TaskServer server = server(serverBuilder());
        Socket socket = rawSocket(server.localAddress());
        handshake(socket);
        int tasks = 2 * ClientSession.MAX_UNKNOWN_CANCELS;
        DataInputStream in = new DataInputStream(socket.getInputStream());
        for (int id = 1; id <= tasks; id++) {
            socket.getOutputStream().write(taskFrame(id, 1, new byte[] {1}));
        }
        readAnswers(in, tasks);
        // Every one of them answered: each CANCEL now names a task no longer in flight.
        socket.getOutputStream().write(cancels(1, tasks + ClientSession.MAX_UNKNOWN_CANCELS));
        socket.getOutputStream().write(taskFrame(tasks + 1, 1, new byte[] {2}));
        readAnswers(in, 1);
        assertThat(server.numClients()).isEqualTo(1);
    }

    /** {@code count} CANCEL frames, of ids {@code first} and up. */
    private static byte[] cancels(int first, int count) {
        ByteBuffer frames = ByteBuffer.allocate(9 * count);
        for (int i = 0; i < count; i++) {
            frames.putInt(5).put(Frame.CANCEL).putInt(first + i);
        }
        return frames.array();
    }

    private static void readAnswers(DataInputStream in, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            assertThat(body[0]).isEqualTo(Frame.OK);
        }
    }
}
