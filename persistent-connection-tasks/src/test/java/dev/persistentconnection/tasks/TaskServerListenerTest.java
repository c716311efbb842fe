package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.tasks.TaskServerListener.Rejection;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every refusal of the server reaches its {@link TaskServerListener}, with its reason and the client's address. */
class TaskServerListenerTest extends TestSupport {
    static final int ECHO = 1;
    static final int BLOCKING = 2;

    private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);

    private final TaskServerListener listener =
            (reason, address, detail) -> seen.add(reason + " " + address.getHostAddress() + " " + detail);

    private TaskServer server(TaskServer.Builder builder) {
        TaskServer server = builder.listener(listener).build();
        server.register(ECHO, TaskHandler.of(p -> p), "echo");
        server.register(
                BLOCKING,
                request -> context -> {
                    release.await(20, TimeUnit.SECONDS);
                    context.write(new byte[] {1});
                },
                "blocking");
        closeLater(release::countDown);
        return start(server);
    }

    private void awaitSeen(String expected) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(seen).contains(expected));
    }

    @Test
    void aConnectionOverMaxClientsIsServerFull() throws Exception {
        TaskServer server = server(serverBuilder().maxClients(1));
        TaskClient first = connect(server);
        result(first.submit(ECHO, new byte[] {1})); // one that has sent a task is not evicted for a newcomer
        Socket second = rawSocket(server.localAddress());
        second.getOutputStream().write(hello(Handshake.VERSION));
        assertThat(readsUntilClosed(second)).isTrue();
        awaitSeen("SERVER_FULL 127.0.0.1 server full: 1 clients");
    }

    @Test
    void aConnectionOverTheAddressLimitIsAddressFull() throws Exception {
        TaskServer server = server(serverBuilder()
                .maxClients(10)
                .maxClientsPerAddress(1)
                .maxAcceptRatePerAddress(100)); // not the accept rate (by default 1 a second here)
        connect(server);
        Socket second = rawSocket(server.localAddress());
        assertThat(readsUntilClosed(second)).isTrue();
        awaitSeen("ADDRESS_FULL 127.0.0.1 server full for 127.0.0.1: 1 connections from one address");
    }

    @Test
    void aBadHelloIsARefusedHandshakeAndNoHelloATimeout() throws Exception {
        TaskServer server = server(serverBuilder().readTimeout(Duration.ofMillis(300)));
        Socket bad = rawSocket(server.localAddress());
        bad.getOutputStream().write(new byte[Handshake.HELLO_SIZE]);
        assertThat(readsUntilClosed(bad)).isTrue();
        awaitSeen("HANDSHAKE_REFUSED 127.0.0.1 bad magic: not a persistent-connection task protocol client");

        Socket silent = rawSocket(server.localAddress());
        assertThat(readsUntilClosed(silent)).isTrue();
        awaitSeen("HANDSHAKE_TIMEOUT 127.0.0.1 no handshake within the read timeout");
    }

    @Test
    void aTaskOfAnUnknownCodeIsReported() throws Exception {
        TaskServer server = server(serverBuilder());
        TaskClient client = connect(server);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> client.submit(99, new byte[0]).get(10, TimeUnit.SECONDS));
        assertThat(((TaskException) e.getCause()).errorCode()).isEqualTo(TaskException.UNKNOWN_TASK_CODE);
        awaitSeen("UNKNOWN_TASK_CODE 127.0.0.1 unknown task code 99");
    }

    @Test
    void aTaskTheExecutorRefusesIsServerBusy() throws Exception {
        TaskServer server = server(serverBuilder().executor(task -> {
            throw new RejectedExecutionException("full");
        }));
        TaskClient client = connect(server);
        ExecutionException busy = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> client.submit(ECHO, new byte[0]).get(10, TimeUnit.SECONDS));
        assertThat(((TaskException) busy.getCause()).errorCode()).isEqualTo(TaskException.SERVER_BUSY);
        awaitSeen("SERVER_BUSY 127.0.0.1 server busy: task rejected");
    }

    @Test
    void reachingTheInFlightLimitIsReportedOncePerPause() throws Exception {
        TaskServer server = server(serverBuilder().maxTasksInFlightPerClient(1));
        TaskClient client = connect(server);
        CompletableFuture<byte[]> first = client.submit(BLOCKING, new byte[0]);
        CompletableFuture<byte[]> second = client.submit(ECHO, new byte[] {2});
        awaitSeen("IN_FLIGHT_LIMIT 127.0.0.1 1 tasks in flight: reading paused");
        release.countDown();
        assertThat(result(first)).containsExactly(1);
        assertThat(result(second)).containsExactly(2);
        assertThat(seen).allMatch(s -> s.startsWith("IN_FLIGHT_LIMIT")).hasSizeBetween(1, 2);
    }

    @Test
    void anOversizedFrameAnInvalidFrameAndASlowFrameCloseTheClientWithTheirReason() throws Exception {
        TaskServer server = server(serverBuilder().maxFrameSize(1024).readTimeout(Duration.ofMillis(300)));
        Socket large = rawSocket(server.localAddress());
        handshake(large);
        large.getOutputStream().write(ByteBuffer.allocate(4).putInt(1025).array());
        assertThat(readsUntilClosed(large)).isTrue();
        awaitSeen("FRAME_TOO_LARGE 127.0.0.1 protocol error: frame length 1025 outside 1..1024");

        Socket invalid = rawSocket(server.localAddress());
        handshake(invalid);
        invalid.getOutputStream()
                .write(ByteBuffer.allocate(5).putInt(1).put((byte) 0x7F).array());
        assertThat(readsUntilClosed(invalid)).isTrue();
        awaitSeen("PROTOCOL_ERROR 127.0.0.1 protocol error: unknown frame kind 0x7f");

        Socket slow = rawSocket(server.localAddress());
        handshake(slow);
        slow.getOutputStream()
                .write(ByteBuffer.allocate(6)
                        .putInt(100)
                        .put(Frame.TASK)
                        .put((byte) 0)
                        .array());
        assertThat(readsUntilClosed(slow)).isTrue();
        awaitSeen("READ_TIMEOUT 127.0.0.1 protocol error: timeout reading a frame (300 ms)");
    }

    @Test
    void aListenerThatThrowsChangesNothing() throws Exception {
        TaskServer server = start(serverBuilder()
                .listener((reason, address, detail) -> {
                    throw new IllegalStateException("broken listener");
                })
                .build());
        TaskClient client = connect(server);
        CompletableFuture<byte[]> unknown = client.submit(99, new byte[0]);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> unknown.get(10, TimeUnit.SECONDS));
        assertThat(((TaskException) e.getCause()).errorCode()).isEqualTo(TaskException.UNKNOWN_TASK_CODE);
        assertThat(server.numClients()).isEqualTo(1);
    }

    @Test
    void tagsAreLowerCaseWords() {
        assertThat(List.of(Rejection.values()).stream().map(Rejection::tag))
                .contains("server-full", "address-full", "unknown-task-code", "frame-too-large", "in-flight-limit")
                .allMatch(tag -> tag.matches("[a-z]+(-[a-z]+)*"));
    }
}
