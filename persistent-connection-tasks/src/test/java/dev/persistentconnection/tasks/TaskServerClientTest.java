package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskServerClientTest extends TestSupport {
    static final int ECHO = 1;
    static final int FAIL = 2;
    static final int BLOCK = 3;

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger interrupted = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();

    private TaskServer echoServer(TaskServer.Builder builder) {
        TaskServer server = builder.build();
        server.register(ECHO, TaskHandler.of(payload -> payload), "echo");
        server.register(
                FAIL,
                TaskHandler.of(payload -> {
                    throw new TaskException(42, "no: " + utf8(payload));
                }),
                "fail");
        server.register(
                BLOCK,
                request -> context -> {
                    started.incrementAndGet();
                    try {
                        release.await();
                        context.write(utf8("released"));
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                        throw e;
                    }
                },
                "block");
        return start(server);
    }

    @Test
    void requestResponse() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        assertThat(result(client.submit(ECHO, utf8("hello")))).asString().isEqualTo("hello");
        assertThat(result(client.submit(ECHO, new byte[0]))).isEmpty();
        assertThat(server.numClients()).isEqualTo(1);
        assertThat(server.registeredTaskCodes()).containsExactly(ECHO, FAIL, BLOCK);
    }

    @Test
    void framesPipelinedBehindTheHelloAreServed() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        Socket socket = rawSocket(server.localAddress());
        byte[] hello = hello(Handshake.VERSION);
        byte[] task = taskFrame(5, ECHO, utf8("pipelined"));
        byte[] both = Arrays.copyOf(hello, hello.length + task.length);
        System.arraycopy(task, 0, both, hello.length, task.length);
        socket.getOutputStream().write(both);
        java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
        in.readFully(new byte[Handshake.ACCEPT_SIZE]);
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        while (true) {
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            if (body[0] == Frame.OK) {
                assertThat(java.nio.ByteBuffer.wrap(body, 1, 4).getInt()).isEqualTo(5);
                answer.write(body, 6, body.length - 6);
                if ((body[5] & Frame.FLAG_END) != 0) {
                    break;
                }
            }
        }
        assertThat(utf8(answer.toByteArray())).isEqualTo("pipelined");
    }

    @Test
    void littleEndianClient() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(
                server, clientOptions().byteOrder(ByteOrder.LITTLE_ENDIAN).build());
        assertThat(result(client.submit(ECHO, utf8("le")))).asString().isEqualTo("le");
        await().untilAsserted(() -> assertThat(server.clients())
                .singleElement()
                .satisfies(c -> assertThat(c.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN)));
    }

    @Test
    void domainErrorBecomesTaskExceptionAndConnectionStaysUsable() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        assertThatThrownBy(() -> result(client.submit(FAIL, utf8("x"))))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(TaskException.class)
                .hasMessage("no: x")
                .satisfies(e -> assertThat(((TaskException) e).errorCode()).isEqualTo(42));
        assertThatThrownBy(() -> result(client.submit(77, new byte[0])))
                .cause()
                .isInstanceOf(TaskException.class)
                .satisfies(e -> assertThat(((TaskException) e).errorCode()).isEqualTo(TaskException.UNKNOWN_TASK_CODE));
        assertThat(result(client.submit(ECHO, utf8("still")))).asString().isEqualTo("still");
    }

    @Test
    void reservedCodesAreRejected() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        assertThatThrownBy(() -> server.register(0xFF00, TaskHandler.of(p -> p), "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> new TaskException(250, "x")).isInstanceOf(IllegalArgumentException.class);
        TaskClient client = connect(server);
        assertThatThrownBy(() -> result(client.submit(0xFFFF, new byte[0])))
                .cause()
                .isInstanceOf(IllegalArgumentException.class);
        byte[] tooBig = new byte[client.maxPayloadSize() + 1];
        assertThatThrownBy(() -> result(client.submit(ECHO, tooBig)))
                .cause()
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thousandConcurrentTasksOnOneConnection() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        TaskServer server = start(serverBuilder().maxTasksInFlightPerClient(32).build());
        server.register(
                ECHO,
                request -> context -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        Thread.yield();
                        context.write(request.payload());
                    } finally {
                        running.decrementAndGet();
                    }
                },
                "echo");
        TaskClient client = connect(server);
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            futures.add(client.submit(ECHO, utf8("task-" + i)));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 1000; i++) {
            assertThat(futures.get(i).join()).asString().isEqualTo("task-" + i);
        }
        assertThat(maxRunning.get()).isBetween(1, 32);
        assertThat(client.pendingTasks()).isZero();
    }

    @Test
    void streamsFiftyMegabytesInChunksWithBoundedMemory() throws Exception {
        int chunk = 64 * 1024;
        int chunks = 50 * 16; // 50 MiB
        AtomicInteger maxPending = new AtomicInteger();
        TaskServer server = start(serverBuilder().build());
        server.register(
                ECHO,
                request -> context -> {
                    byte[] block = new byte[chunk];
                    for (int i = 0; i < chunks; i++) {
                        Arrays.fill(block, (byte) i);
                        context.write(block);
                        maxPending.accumulateAndGet(
                                (int) ((ClientView) context.client()).pendingOutboundBytes(), Math::max);
                    }
                },
                "stream");
        TaskClient client =
                connect(server, clientOptions().maxFrameSize(128 * 1024).build());
        long[] received = {0};
        long[] checksum = {0};
        int[] largestChunk = {0};
        result(client.submitStreaming(ECHO, new byte[0], data -> {
            for (byte b : data) {
                checksum[0] += b & 0xFF;
            }
            received[0] += data.length;
            largestChunk[0] = Math.max(largestChunk[0], data.length);
        }));
        long expected = 0;
        for (int i = 0; i < chunks; i++) {
            expected += (long) (i & 0xFF) * chunk;
        }
        assertThat(received[0]).isEqualTo(50L * 1024 * 1024);
        assertThat(checksum[0]).isEqualTo(expected);
        assertThat(largestChunk[0]).isLessThanOrEqualTo(128 * 1024);
        // The producer waits for the socket: at most the high-water mark plus one chunk is ever queued.
        assertThat((long) maxPending.get()).isPositive().isLessThanOrEqualTo(AnswerWindow.HIGH_WATER_MARK + chunk);
    }

    @Test
    void cancelReachesTheRunningTask() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        CompletableFuture<byte[]> f = client.submit(BLOCK, new byte[0]);
        await().until(() -> started.get() == 1);
        f.cancel(true);
        assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
        await().until(() -> interrupted.get() == 1);
        await().until(() -> server.clients().get(0).tasks().isEmpty());
        assertThat(result(client.submit(ECHO, utf8("after")))).asString().isEqualTo("after");
    }

    @Test
    void cancelAllFromTheClientAndFromTheServer() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        List<CompletableFuture<byte[]>> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            first.add(client.submit(BLOCK, new byte[0]));
        }
        await().until(() -> started.get() == 5);
        client.cancelAll();
        for (CompletableFuture<byte[]> f : first) {
            assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
        }
        await().until(() -> interrupted.get() == 5);

        List<CompletableFuture<byte[]>> second = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            second.add(client.submit(BLOCK, new byte[0]));
        }
        await().until(() -> started.get() == 10);
        ConnectedClient view = server.clients().get(0);
        assertThat(view.tasks()).hasSize(5);
        assertThat(view.taskCodes()).containsOnly(BLOCK);
        assertThat(view.tasksWithCode(BLOCK)).hasSize(5);
        assertThat(view.metadata(view.tasks().get(0)))
                .hasValueSatisfying(m -> assertThat(m.code()).isEqualTo(BLOCK));
        view.cancelAll();
        for (CompletableFuture<byte[]> f : second) {
            assertThatThrownBy(() -> result(f))
                    .cause()
                    .isInstanceOf(TaskException.class)
                    .satisfies(e -> assertThat(((TaskException) e).errorCode()).isEqualTo(TaskException.CANCELLED));
        }
        await().until(() -> interrupted.get() == 10);
    }

    @Test
    void taskTimeoutFailsTheFutureAndCancelsTheTask() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        CompletableFuture<byte[]> f = client.submit(BLOCK, new byte[0], Duration.ofMillis(200));
        assertThatThrownBy(() -> result(f)).cause().isInstanceOf(TaskTimeoutException.class);
        await().until(() -> interrupted.get() == 1);
        assertThat(result(client.submit(ECHO, utf8("ok")))).asString().isEqualTo("ok");
    }

    @Test
    void serverWaitTimeoutClosesAnIdleClient() throws Exception {
        TaskServer server = echoServer(serverBuilder().waitTimeout(Duration.ofMillis(300)));
        TaskClient client = connect(server);
        result(client.closeFinished());
        assertThat(client.isClosed()).isTrue();
        assertThatThrownBy(() -> result(client.submit(ECHO, new byte[0])))
                .cause()
                .isInstanceOf(ConnectionLostException.class);
    }

    @Test
    void serverReadTimeoutClosesAClientStuckInAFrame() throws Exception {
        TaskServer server = echoServer(serverBuilder().readTimeout(Duration.ofMillis(300)));
        Socket socket = rawSocket(server.localAddress());
        handshake(socket);
        socket.getOutputStream().write(new byte[] {0, 0, 0, 50, Frame.TASK, 0}); // frame started, never finished
        assertThat(readsUntilClosed(socket)).isTrue();
        await().until(() -> server.numClients() == 0);
    }

    @Test
    void serverGracefulDisconnectLetsTasksInFlightFinish() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(client.submit(BLOCK, new byte[0]));
        }
        await().until(() -> started.get() == 3);
        server.disconnectAll(Duration.ofSeconds(20));
        // GOODBYE reached the client: new tasks fail at once.
        await().untilAsserted(() -> assertThat(client.submit(ECHO, new byte[0]))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(ConnectionLostException.class));
        assertThat(client.closeFinished()).isNotDone();
        release.countDown();
        for (CompletableFuture<byte[]> f : inFlight) {
            assertThat(result(f)).asString().isEqualTo("released");
        }
        result(client.closeFinished());
        await().until(() -> server.numClients() == 0);
    }

    @Test
    void serverGracefulDisconnectClosesAfterTheGracePeriod() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        CompletableFuture<byte[]> f = client.submit(BLOCK, new byte[0]);
        await().until(() -> started.get() == 1);
        server.clients().get(0).disconnect(Duration.ofMillis(200));
        assertThatThrownBy(() -> result(f)).cause().isInstanceOf(ConnectionLostException.class);
        result(client.closeFinished());
        await().until(() -> interrupted.get() == 1);
    }

    @Test
    void clientGracefulDisconnectLetsTasksInFlightFinish() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        CompletableFuture<byte[]> f = client.submit(BLOCK, new byte[0]);
        await().until(() -> started.get() == 1);
        CompletableFuture<Void> closed = client.disconnect(Duration.ofSeconds(20));
        assertThatThrownBy(() -> result(client.submit(ECHO, new byte[0])))
                .cause()
                .isInstanceOf(ConnectionLostException.class);
        assertThat(closed).isNotDone();
        release.countDown();
        assertThat(result(f)).asString().isEqualTo("released");
        result(closed);
        await().until(() -> server.numClients() == 0);
    }

    @Test
    void serverStopWithTasksInFlightFailsThemWithConnectionLost() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inFlight.add(client.submit(BLOCK, new byte[0]));
        }
        await().until(() -> started.get() == 4);
        server.stop();
        for (CompletableFuture<byte[]> f : inFlight) {
            assertThatThrownBy(() -> result(f)).cause().isInstanceOf(ConnectionLostException.class);
        }
        result(client.closeFinished());
        assertThat(interrupted.get()).isEqualTo(4);
        assertThat(server.isRunning()).isFalse();
        await().untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith("task-server-")));
    }

    @Test
    void gracefulStopWaitsForTasksInFlight() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskClient client = connect(server);
        CompletableFuture<byte[]> f = client.submit(BLOCK, new byte[0]);
        await().until(() -> started.get() == 1);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(20)));
        await().until(() -> client.closeReason().isPresent()); // GOODBYE arrived
        release.countDown();
        assertThat(result(f)).asString().isEqualTo("released");
        result(stopping);
        assertThat(server.isRunning()).isFalse();
        result(client.closeFinished());
    }

    @Test
    void closingTheConnectorReleasesItsThread() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        TaskConnector connector = TaskClients.connector(clientOptions().build());
        TaskClient client = result(connector.connect(server.localAddress()));
        assertThat(result(client.submit(ECHO, utf8("x")))).asString().isEqualTo("x");
        connector.close();
        result(client.closeFinished());
        assertThatThrownBy(() -> result(connector.connect(server.localAddress())))
                .cause()
                .isInstanceOf(IOException.class);
        await().untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith("task-client-io") && t.isAlive()));
    }

    @Test
    void aFailingRunFunctionDropsOnlyItsClient() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        server.register(
                9,
                request -> context -> {
                    throw new IllegalStateException("bug");
                },
                "buggy");
        TaskClient bad = connect(server);
        TaskClient good = connect(server);
        assertThatThrownBy(() -> result(bad.submit(9, new byte[0])))
                .cause()
                .isInstanceOf(ConnectionLostException.class);
        result(bad.closeFinished());
        assertThat(result(good.submit(ECHO, utf8("fine")))).asString().isEqualTo("fine");
    }

    @Test
    void backpressureKeepsTasksInFlightAtTheLimit() throws Exception {
        TaskServer server = echoServer(serverBuilder().maxTasksInFlightPerClient(4));
        TaskClient client = connect(server);
        assertThat(client.serverMaxTasksInFlight()).isEqualTo(4);
        List<CompletableFuture<byte[]>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(client.submit(BLOCK, new byte[0]));
        }
        await().until(() -> started.get() == 4);
        assertThat(server.clients().get(0).tasks()).hasSize(4);
        release.countDown();
        for (CompletableFuture<byte[]> f : all) {
            assertThat(result(f)).asString().isEqualTo("released");
        }
        assertThat(started.get()).isEqualTo(20);
    }

    @Test
    void serverBacksOffARawClientThatIgnoresTheLimit() throws Exception {
        TaskServer server = echoServer(serverBuilder().maxTasksInFlightPerClient(2));
        Socket socket = rawSocket(server.localAddress());
        handshake(socket);
        for (int i = 0; i < 10; i++) {
            socket.getOutputStream().write(taskFrame(i, BLOCK, new byte[0]));
        }
        await().until(() -> started.get() == 2);
        assertThat(server.clients().get(0).tasks()).hasSize(2);
        release.countDown();
        await().until(() -> started.get() == 10);
    }

    @Test
    void clientsAreListedByConnectTimeWithRunData() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        server.register(
                10,
                request -> {
                    request.attachRunData("data-" + utf8(request.payload()));
                    return context -> release.await();
                },
                "with-data");
        TaskClient a = connect(server);
        TaskClient b = connect(server);
        await().until(() -> server.numClients() == 2);
        List<ConnectedClient> clients = server.clients();
        assertThat(clients.get(0).connectedAt())
                .isBeforeOrEqualTo(clients.get(1).connectedAt());
        assertThat(clients.get(0).remoteAddress())
                .isEqualTo(a.closeFinished().isDone() ? null : clients.get(0).remoteAddress());
        CompletableFuture<byte[]> f = b.submit(10, utf8("x"));
        ConnectedClient viewB = clients.stream()
                .filter(c -> ((InetSocketAddress) c.remoteAddress()).getPort() == localPort(b))
                .findFirst()
                .orElseThrow();
        await().until(() ->
                viewB.tasks().size() == 1 && viewB.runData(viewB.tasks().get(0)).isPresent());
        assertThat(viewB.runData(viewB.tasks().get(0))).contains("data-x");
        release.countDown();
        result(f);
    }

    private static int localPort(TaskClient client) {
        String s = client.toString();
        String local = s.substring(s.indexOf('[') + 1, s.indexOf("->"));
        return Integer.parseInt(local.substring(local.lastIndexOf(':') + 1));
    }

    @Test
    void aPortInUseFailsStartWithUncheckedIoExceptionAndLeavesNoThread() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            TaskServer server = serverBuilder().port(taken.getLocalPort()).build();
            assertThatThrownBy(server::start)
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageContaining("cannot bind");
            assertThat(server.isRunning()).isFalse();
            await().untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                    .noneMatch(t -> t.getName().startsWith("task-server-")));
        }
    }

    @Test
    void maxClientsRefusesWithARetryableError() throws Exception {
        TaskServer server = echoServer(serverBuilder().maxClients(1));
        TaskClient first = connect(server);
        result(first.submit(ECHO, new byte[] {1})); // a client that has sent a task keeps its slot
        TaskConnector connector =
                closeLater(TaskClients.connector(clientOptions().build()));
        assertThatThrownBy(() -> result(connector.connect(server.localAddress())))
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessageContaining("server full");
    }

    @Test
    void unsupportedVersionIsRefusedWithAReason() throws Exception {
        TaskServer server = echoServer(serverBuilder());
        Socket socket = rawSocket(server.localAddress());
        socket.getOutputStream().write(hello(0));
        byte[] reply = socket.getInputStream().readAllBytes();
        assertThat(reply[4]).isEqualTo((byte) Handshake.UNSUPPORTED_VERSION);
        assertThat(utf8(Arrays.copyOfRange(reply, 7, reply.length))).contains("unsupported protocol version 0");
    }

    @Test
    void refusedHandshakeIsFatalOtherFailuresAreRetryable() throws Exception {
        TaskConnector connector = closeLater(TaskClients.connector(
                clientOptions().connectTimeout(Duration.ofMillis(500)).build()));
        // A peer that refuses every version: version 2, then version 1 (the client's second try).
        ServerSocket refusing = closeLater(new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress()));
        Thread peer = new Thread(() -> {
            for (int attempt = 0; attempt < 2; attempt++) {
                try (Socket s = refusing.accept()) {
                    s.getInputStream().readNBytes(Handshake.HELLO_SIZE);
                    byte[] reason = utf8("version not supported");
                    s.getOutputStream()
                            .write(java.nio.ByteBuffer.allocate(7 + reason.length)
                                    .putInt(Handshake.MAGIC)
                                    .put((byte) Handshake.UNSUPPORTED_VERSION)
                                    .putShort((short) reason.length)
                                    .put(reason)
                                    .array());
                    s.getInputStream().read();
                } catch (IOException ignored) {
                    // test peer
                }
            }
        });
        peer.start();
        assertThatThrownBy(() -> result(connector.connect(new InetSocketAddress("127.0.0.1", refusing.getLocalPort()))))
                .cause()
                .isInstanceOf(dev.persistentconnection.FatalConnectException.class)
                .hasMessageContaining("unsupported version");
        peer.join(5000);

        // Nothing listening.
        int freePort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        assertThatThrownBy(() -> result(connector.connect(new InetSocketAddress("127.0.0.1", freePort))))
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessageContaining("connection refused");
        // Unknown host.
        assertThatThrownBy(
                        () -> result(connector.connect(InetSocketAddress.createUnresolved("no-such-host.invalid", 7))))
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown host");
        // A peer that accepts TCP but never answers the handshake.
        ServerSocket silent = closeLater(new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress()));
        assertThatThrownBy(() -> result(connector.connect(new InetSocketAddress("127.0.0.1", silent.getLocalPort()))))
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessageContaining("timed out");
    }
}
