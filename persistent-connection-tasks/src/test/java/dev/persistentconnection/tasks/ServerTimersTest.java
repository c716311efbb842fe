package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server's per-connection timers: one for the write timeout, one for the wait timeout. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerTimersTest extends TestSupport {
    static final int ECHO = 1;
    static final int STREAM = 3;

    @Test
    void aClientBusyWithOneTaskAtATimeOutlivesTheWaitTimeoutThenIdlesOut() throws Exception {
        // In direct mode every task ends before the next arrives: the session is idle between any two of them.
        TaskServer server = start(serverBuilder()
                .runHandlersOnIoThread(true)
                .waitTimeout(Duration.ofMillis(300))
                .build()
                .register(ECHO, TaskHandler.of(payload -> payload), "echo"));
        TaskClient client = connect(server);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(900);
        int answered = 0;
        while (System.nanoTime() < end) {
            assertThat(result(client.submit(ECHO, utf8("ping")))).asString().isEqualTo("ping");
            answered++;
        }
        assertThat(client.isClosed()).isFalse();
        assertThat(answered).isPositive();
        result(client.closeFinished()); // idle now: closed after the wait timeout
        assertThat(client.closeReason()).hasValue("the server said goodbye"); // the wait timeout's GOODBYE
    }

    @Test
    void aClientThatStopsReadingIsClosedByTheWriteTimeout() throws Exception {
        // Default executor mode: the answer waits at the high-water mark, and the one write-timeout timer of the
        // connection sees no progress.
        TaskServer server = start(serverBuilder()
                .writeTimeout(Duration.ofMillis(300))
                .heartbeatTimeout(Duration.ofSeconds(30))
                .heartbeatInterval(Duration.ofSeconds(10))
                .build()
                .register(
                        STREAM,
                        request -> context -> {
                            byte[] chunk = new byte[64 * 1024];
                            for (int i = 0; i < 10_000 && !context.isCancelled(); i++) {
                                context.write(chunk);
                            }
                        },
                        "endless"));
        Socket socket = rawSocket(server.localAddress());
        socket.setReceiveBufferSize(4096);
        handshake(socket);
        await().until(() -> server.numClients() == 1);
        ConnectedClient connected = server.clients().get(0);
        socket.getOutputStream().write(taskFrame(1, STREAM, new byte[0]));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> connected.closeReason().isPresent());
        assertThat(connected.closeReason()).contains("write timeout");
        await().atMost(Duration.ofSeconds(20)).until(() -> server.numClients() == 0);
    }

    @Test
    void aTaskThatEndsAfterItsConnectionClosedArmsNoWaitTimer() throws Exception {
        // The wait timer (minutes long) would hold the closed session, its channel and buffers until it fired.
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TaskServer server = start(serverBuilder()
                .waitTimeout(Duration.ofMinutes(10))
                .build()
                .register(
                        ECHO,
                        TaskHandler.of(payload -> {
                            running.countDown();
                            release.await(10, TimeUnit.SECONDS);
                            return payload;
                        }),
                        "held"));
        TaskClient client = connect(server);
        client.submit(ECHO, utf8("late"));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        ClientSession session = ((ClientView) server.clients().get(0)).session();
        assertThat(onLoop(session, session::waitTimerArmed)).isTrue(); // armed at the handshake, idle or not
        server.clients().get(0).close();
        await().until(() -> session.state() == ClientSession.State.CLOSED);
        assertThat(onLoop(session, session::waitTimerArmed)).isFalse();
        release.countDown(); // the task ends now, after the close, and is forgotten
        await().until(() -> session.tasks().isEmpty());
        assertThat(onLoop(session, session::waitTimerArmed)).isFalse();
        assertThat(server.numClients()).isZero();
    }

    private static <T> T onLoop(ClientSession session, java.util.concurrent.Callable<T> read) throws Exception {
        return session.channel().eventLoop().submit(read).get(10, TimeUnit.SECONDS);
    }
}
