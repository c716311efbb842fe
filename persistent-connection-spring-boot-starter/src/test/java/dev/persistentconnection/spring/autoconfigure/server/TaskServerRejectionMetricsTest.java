package dev.persistentconnection.spring.autoconfigure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.spring.autoconfigure.codec.TaskPayloadCodecAutoConfiguration;
import dev.persistentconnection.spring.readme.RefusalLogConfiguration;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskMapping;
import dev.persistentconnection.spring.server.TaskServerMetrics;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskException;
import dev.persistentconnection.tasks.TaskServerListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;

/**
 * {@code persistent-connection.server.rejections}: a counter per reason, fed by the server's
 * {@link TaskServerListener}, against a real server provoked by a real client and raw sockets; listener beans of the
 * application are told too.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class TaskServerRejectionMetricsTest {

    private final CountDownLatch release = new CountDownLatch(1);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    TaskServerAutoConfiguration.class,
                    TaskServerMetricsAutoConfiguration.class,
                    TaskPayloadCodecAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean(Blocking.class, () -> new Blocking(release))
            .withPropertyValues(
                    "persistent-connection.server.enabled=true",
                    "persistent-connection.server.port=0",
                    "persistent-connection.server.max-clients=1",
                    "persistent-connection.server.max-frame-size=1KB",
                    "persistent-connection.server.max-tasks-in-flight-per-client=1");

    @AfterEach
    void releaseTheHandler() {
        release.countDown();
    }

    @Test
    void everyReasonHasACounterAtZero() {
        runner.run(context -> {
            MeterRegistry meters = boundMeters(context);
            for (TaskServerListener.Rejection reason : TaskServerListener.Rejection.values()) {
                assertThat(rejections(meters, reason.tag())).isZero();
            }
        });
    }

    @Test
    void refusalsAreCountedByReasonAndToldToTheApplicationsListeners(CapturedOutput output) {
        ConcurrentLinkedQueue<String> told = new ConcurrentLinkedQueue<>();
        runner.withBean(TaskServerListener.class, () -> (reason, address, detail) -> told.add(reason.tag()))
                .withUserConfiguration(RefusalLogConfiguration.class)
                .run(context -> {
                    MeterRegistry meters = boundMeters(context);
                    InetSocketAddress address = context.getBean(ManagedTaskServer.class)
                            .localAddress()
                            .orElseThrow();
                    try (TaskConnector connector = TaskClients.connector()) {
                        TaskClient client =
                                connector.connect(address).toCompletableFuture().get(10, TimeUnit.SECONDS);

                        // No handler for code 99.
                        ExecutionException unknown = org.junit.jupiter.api.Assertions.assertThrows(
                                ExecutionException.class,
                                () -> client.submit(99, new byte[0]).get(10, TimeUnit.SECONDS));
                        assertThat(((TaskException) unknown.getCause()).errorCode())
                                .isEqualTo(TaskException.UNKNOWN_TASK_CODE);
                        assertThat(rejections(meters, "unknown-task-code")).isEqualTo(1);

                        // Its one task in flight: the server stops reading from it.
                        CompletableFuture<byte[]> blocked = client.submit(Blocking.CODE, new byte[0]);
                        await().atMost(Duration.ofSeconds(10))
                                .untilAsserted(() -> assertThat(rejections(meters, "in-flight-limit"))
                                        .isEqualTo(1));
                        release.countDown();
                        assertThat(blocked.get(10, TimeUnit.SECONDS)).containsExactly(1);

                        // A second client with max-clients=1.
                        try (Socket second = hello(address, 0x50435450)) {
                            assertThat(closesAfterReading(second)).isTrue();
                        }
                        await().atMost(Duration.ofSeconds(10))
                                .untilAsserted(() -> assertThat(rejections(meters, "server-full"))
                                        .isEqualTo(1));
                        client.close();
                    }
                    await().atMost(Duration.ofSeconds(10))
                            .until(() ->
                                    context.getBean(ManagedTaskServer.class).numClients() == 0);

                    // Not the task protocol.
                    try (Socket stranger = hello(address, 0x47455420)) {
                        assertThat(closesAfterReading(stranger)).isTrue();
                    }
                    await().atMost(Duration.ofSeconds(10))
                            .untilAsserted(() -> assertThat(rejections(meters, "handshake-refused"))
                                    .isEqualTo(1));

                    // A frame over max-frame-size (1 KB) after a good handshake.
                    try (Socket large = hello(address, 0x50435450)) {
                        large.getInputStream().readNBytes(14); // the acceptance
                        large.getOutputStream()
                                .write(ByteBuffer.allocate(4).putInt(2048).array());
                        assertThat(closesAfterReading(large)).isTrue();
                    }
                    await().atMost(Duration.ofSeconds(10))
                            .untilAsserted(() -> assertThat(rejections(meters, "frame-too-large"))
                                    .isEqualTo(1));

                    assertThat(told)
                            .containsExactlyInAnyOrder(
                                    "unknown-task-code",
                                    "in-flight-limit",
                                    "server-full",
                                    "handshake-refused",
                                    "frame-too-large");
                    assertThat(rejections(meters, "address-full")).isZero();
                    assertThat(output)
                            .contains("task server refused 127.0.0.1 (unknown-task-code): unknown task code 99")
                            .contains("task server refused 127.0.0.1 (server-full): server full: 1 clients");
                });
    }

    /** The registry with the server's meters bound (Boot's metrics auto-configuration would do that). */
    private static MeterRegistry boundMeters(ApplicationContext context) {
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        context.getBean(TaskServerMetrics.class).bindTo(meters);
        return meters;
    }

    private static double rejections(MeterRegistry meters, String reason) {
        return meters.get("persistent-connection.server.rejections")
                .tag("reason", reason)
                .functionCounter()
                .count();
    }

    /** A socket that sent a hello with this magic (version 2, big-endian, 1 MiB frames). */
    private static Socket hello(InetSocketAddress address, int magic) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream()
                .write(ByteBuffer.allocate(10)
                        .putInt(magic)
                        .put((byte) 2)
                        .put((byte) 'B')
                        .putInt(1 << 20)
                        .array());
        return socket;
    }

    private static boolean closesAfterReading(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            while (in.read(new byte[1024]) >= 0) {
                // discard the refusal
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    @TaskController
    static class Blocking {
        static final int CODE = 1;

        private final CountDownLatch release;

        Blocking(CountDownLatch release) {
            this.release = release;
        }

        @TaskMapping(code = CODE)
        byte[] block(byte[] payload) throws InterruptedException {
            release.await(20, TimeUnit.SECONDS);
            return new byte[] {1};
        }
    }
}
