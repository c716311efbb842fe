package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TaskServer.Builder#runHandlersOnIoThread}: handlers on the I/O thread, and what guards that mode. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoThreadHandlersTest extends TestSupport {
    static final int ECHO = 1;
    static final int THREAD = 2;
    static final int STREAM = 3;
    static final int SLOW = 4;
    static final int CANCELLED = 5;

    private TaskServer server() {
        TaskServer server = serverBuilder().runHandlersOnIoThread(true).build();
        server.register(ECHO, TaskHandler.of(payload -> payload), "echo");
        server.register(
                THREAD, TaskHandler.of(payload -> utf8(Thread.currentThread().getName())), "thread");
        server.register(
                STREAM,
                request -> context -> {
                    for (int i = 0; i < 100; i++) {
                        byte[] chunk = new byte[10_000];
                        Arrays.fill(chunk, (byte) i);
                        context.write(chunk);
                    }
                },
                "stream");
        server.register(
                SLOW,
                TaskHandler.of(payload -> {
                    Thread.sleep(30); // stands for a handler that blocks: what this mode must report
                    return payload;
                }),
                "slow");
        server.register(
                CANCELLED,
                request -> context -> {
                    context.client().cancel(context.taskId());
                    assertThat(context.isCancelled()).isTrue();
                    assertThat(Thread.currentThread().isInterrupted()).isFalse(); // an I/O thread is never interrupted
                },
                "cancels itself");
        return start(server);
    }

    @Test
    void readmeExample() throws Exception {
        TaskServer server = TaskServer.builder()
                .port(0)
                .runHandlersOnIoThread(true)
                .build()
                .register(1, TaskHandler.of(payload -> payload), "echo") // computes in microseconds, never blocks
                .start();
        closeLater(server);
        assertThat(result(connect(server).submit(1, utf8("echo")))).asString().isEqualTo("echo");
    }

    @Test
    void handlersRunOnTheIoThreadAndAnswer() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        assertThat(utf8(result(client.submit(THREAD, new byte[0])))).startsWith("task-server-io");
        assertThat(result(client.submit(ECHO, utf8("hello")))).asString().isEqualTo("hello");
        assertThat(result(client.submit(ECHO, new byte[0]))).isEmpty();
    }

    @Test
    void manyTasksInFlightAllAnswerInFull() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            answers.add(client.submit(ECHO, utf8("task " + i)));
        }
        for (int i = 0; i < answers.size(); i++) {
            assertThat(result(answers.get(i))).asString().isEqualTo("task " + i);
        }
    }

    @Test
    void streamedAnswerArrivesInOrder() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        result(client.submitStreaming(STREAM, new byte[0], all::writeBytes));
        byte[] bytes = all.toByteArray();
        assertThat(bytes).hasSize(1_000_000);
        for (int i = 0; i < 100; i++) {
            assertThat(bytes[i * 10_000]).isEqualTo((byte) i);
            assertThat(bytes[i * 10_000 + 9_999]).isEqualTo((byte) i);
        }
    }

    @Test
    void aHandlerThatBlocksIsReported() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        assertThat(result(client.submit(SLOW, utf8("late")))).asString().isEqualTo("late");
        // Counted before the answer is flushed. (A fast handler is not asserted uncounted: on a loaded machine
        // the thread may be descheduled for 10 ms while it runs.)
        assertThat(server.blockedIoThreadRuns()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void cancellingSetsTheFlagWithoutInterruptingTheIoThread() throws Exception {
        TaskServer server = server();
        TaskClient client = connect(server);
        assertThatThrownBy(() -> result(client.submit(CANCELLED, new byte[0])))
                .cause()
                .isInstanceOf(TaskException.class)
                .satisfies(e -> assertThat(((TaskException) e).errorCode()).isEqualTo(TaskException.CANCELLED));
        assertThat(result(client.submit(ECHO, utf8("still here")))).asString().isEqualTo("still here");
    }

    @Test
    void excludesAnExecutor() {
        assertThatThrownBy(() -> TaskServer.builder()
                        .runHandlersOnIoThread(true)
                        .executor(Runnable::run)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("runHandlersOnIoThread");
    }
}
