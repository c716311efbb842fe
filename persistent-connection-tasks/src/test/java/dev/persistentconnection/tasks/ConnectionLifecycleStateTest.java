package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one lifecycle state of each side (OPEN, DRAINING, CLOSING, CLOSED): which event moves it, that it only moves
 * forward, and that the first reason stays the connection's close reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLifecycleStateTest extends TestSupport {
    private static final int ECHO = 1;
    private static final int BLOCK = 2;

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    private TaskServer server() {
        TaskServer server = serverBuilder().build();
        server.register(ECHO, TaskHandler.of(payload -> payload), "echo");
        server.register(
                BLOCK,
                request -> context -> {
                    started.countDown();
                    release.await();
                    context.write(utf8("released"));
                },
                "block");
        return start(server);
    }

    private static TaskClientHandler handler(TaskClient client) {
        return client.handler();
    }

    private static ClientSession session(TaskServer server) {
        await().until(() -> server.numClients() == 1);
        return ((ClientView) server.clients().get(0)).session();
    }

    @Test
    void aClientDisconnectDrainsThenClosesOnceTheLastAnswerIsIn() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        TaskClientHandler handler = handler(client);
        assertThat(handler.state()).isEqualTo(TaskClientHandler.State.OPEN);
        CompletableFuture<byte[]> blocked = client.submit(BLOCK, new byte[0]);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        ClientSession session = session(server);

        client.disconnect(Duration.ofSeconds(30));
        assertThat(handler.state()).as("at once, on the caller's thread").isEqualTo(TaskClientHandler.State.DRAINING);
        assertThat(client.isClosed()).isFalse();
        assertThat(client.submit(ECHO, new byte[0])).isCompletedExceptionally();
        await().until(() -> session.state() == ClientSession.State.DRAINING);

        release.countDown();
        assertThat(result(blocked)).asString().isEqualTo("released");
        result(client.closeFinished());
        assertThat(handler.state()).isEqualTo(TaskClientHandler.State.CLOSED);
        assertThat(client.closeReason()).hasValue("disconnected by the client");
        await().until(() -> session.state() == ClientSession.State.CLOSED);
    }

    @Test
    void aServerGoodbyeDrainsTheClientAndItsReasonStays() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        TaskClientHandler handler = handler(client);
        ClientSession session = session(server);

        server.disconnectAll(Duration.ofSeconds(30));
        result(client.closeFinished());
        assertThat(handler.state()).isEqualTo(TaskClientHandler.State.CLOSED);
        assertThat(client.closeReason()).hasValue("the server said goodbye");
        await().until(() -> session.state() == ClientSession.State.CLOSED);
        assertThat(session.closeReason()).isEqualTo("graceful disconnection");
    }

    @Test
    void aCloseIsVisibleAtOnceAndLaterReasonsDoNotReplaceTheFirst() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        TaskClientHandler handler = handler(client);

        client.closeAsync();
        assertThat(client.isClosed()).as("at once, on the caller's thread").isTrue();
        assertThat(handler.state()).isIn(TaskClientHandler.State.CLOSING, TaskClientHandler.State.CLOSED);
        client.disconnect(Duration.ofSeconds(1));
        result(client.closeFinished());
        assertThat(handler.state()).as("never backwards").isEqualTo(TaskClientHandler.State.CLOSED);
        assertThat(client.closeReason()).hasValue("closed by the client");
    }

    @Test
    void aServerCloseCancelsTheTasksAndRecordsItsReason() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        CompletableFuture<byte[]> blocked = client.submit(BLOCK, new byte[0]);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        ClientSession session = session(server);

        server.clients().get(0).close();
        result(client.closeFinished());
        assertThat(blocked).isCompletedExceptionally();
        await().until(() -> session.state() == ClientSession.State.CLOSED);
        assertThat(session.closeReason()).isEqualTo("closed by the server");
        await().until(() -> session.tasks().isEmpty());
    }
}
