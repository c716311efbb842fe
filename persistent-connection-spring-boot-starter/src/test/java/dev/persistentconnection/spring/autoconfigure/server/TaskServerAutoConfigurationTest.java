package dev.persistentconnection.spring.autoconfigure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.spring.autoconfigure.PropertyFailureAnalysis;
import dev.persistentconnection.spring.autoconfigure.codec.TaskPayloadCodecAutoConfiguration;
import dev.persistentconnection.spring.codec.JsonTaskPayloadCodec;
import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskMapping;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskServer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The task server's auto-configuration: conditions, every property, every invalid value, handler checks. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskServerAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    TaskServerAutoConfiguration.class,
                    TaskPayloadCodecAutoConfiguration.class,
                    SslAutoConfiguration.class))
            .withPropertyValues("persistent-connection.server.enabled=true", "persistent-connection.server.port=0");

    @Test
    void offUnlessEnabled() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        TaskServerAutoConfiguration.class, TaskPayloadCodecAutoConfiguration.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ManagedTaskServer.class));
    }

    @Test
    void offWithoutTheTasksModule() {
        runner.withClassLoader(new FilteredClassLoader(TaskServer.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ManagedTaskServer.class));
    }

    @Test
    void theDefaultsAreTheServersSafeOnes() {
        TaskServerProperties defaults = new TaskServerProperties();
        assertThat(defaults.isEnabled()).isFalse();
        assertThat(defaults.getPort()).isEqualTo(7000);
        assertThat(defaults.getBindAddress()).isEqualTo("127.0.0.1");
        assertThat(defaults.getMaxClients()).isEqualTo(TaskServer.DEFAULT_MAX_CLIENTS);
        assertThat(defaults.getMaxClientsPerAddress()).isEqualTo(TaskServer.DEFAULT_MAX_CLIENTS_PER_ADDRESS);
        assertThat(defaults.getMaxTaskThreadsPerAddress()).isNull();
        assertThat(defaults.getMaxAcceptRatePerAddress())
                .as("max-clients-per-address a second")
                .isNull();
        assertThat(defaults.getMaxReadRatePerAddress()).as("no limit").isNull();
        assertThat(defaults.getMaxTasksInFlightPerClient()).isEqualTo(TaskServer.DEFAULT_MAX_TASKS_IN_FLIGHT);
        assertThat(defaults.getMaxFrameSize().toBytes()).isEqualTo(TaskServer.DEFAULT_MAX_FRAME_SIZE);
        assertThat(defaults.getReadTimeout()).isEqualTo(TaskServer.DEFAULT_READ_TIMEOUT);
        assertThat(defaults.getWriteTimeout()).isEqualTo(TaskServer.DEFAULT_WRITE_TIMEOUT);
        assertThat(defaults.getStalledWriteBackoff()).isEqualTo(TaskServer.DEFAULT_STALLED_WRITE_BACKOFF);
        assertThat(defaults.getWaitTimeout()).isEqualTo(TaskServer.DEFAULT_WAIT_TIMEOUT);
        assertThat(defaults.getHeartbeat().getInterval()).isEqualTo(TaskServer.DEFAULT_HEARTBEAT_INTERVAL);
        assertThat(defaults.getHeartbeat().getTimeout()).isEqualTo(TaskServer.DEFAULT_HEARTBEAT_TIMEOUT);
        assertThat(defaults.getSsl().getClientAuth()).isEqualTo(TaskServerProperties.ClientAuth.NONE);
    }

    @Test
    void everyPropertyBindsAndStartsTheServer() {
        runner.withPropertyValues(
                        "persistent-connection.server.bind-address=127.0.0.1",
                        "persistent-connection.server.max-clients=1",
                        "persistent-connection.server.max-clients-per-address=1",
                        "persistent-connection.server.max-task-threads-per-address=2",
                        "persistent-connection.server.max-accept-rate-per-address=7",
                        "persistent-connection.server.max-read-rate-per-address=8MB",
                        "persistent-connection.server.max-tasks-in-flight-per-client=3",
                        "persistent-connection.server.max-frame-size=64KB",
                        "persistent-connection.server.read-timeout=2s",
                        "persistent-connection.server.write-timeout=3s",
                        "persistent-connection.server.stalled-write-backoff=6s",
                        "persistent-connection.server.wait-timeout=4m",
                        "persistent-connection.server.heartbeat.interval=1s",
                        "persistent-connection.server.heartbeat.timeout=5s",
                        "persistent-connection.server.executor=")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TaskServerProperties p = context.getBean(TaskServerProperties.class);
                    assertThat(p.getMaxClients()).isEqualTo(1);
                    assertThat(p.getMaxClientsPerAddress()).isEqualTo(1);
                    assertThat(p.getMaxTaskThreadsPerAddress()).isEqualTo(2);
                    assertThat(p.getMaxAcceptRatePerAddress()).isEqualTo(7);
                    assertThat(p.getMaxReadRatePerAddress().toMegabytes()).isEqualTo(8);
                    assertThat(p.getMaxTasksInFlightPerClient()).isEqualTo(3);
                    assertThat(p.getMaxFrameSize().toKilobytes()).isEqualTo(64);
                    assertThat(p.getReadTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(p.getWriteTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(p.getStalledWriteBackoff()).isEqualTo(Duration.ofSeconds(6));
                    assertThat(p.getWaitTimeout()).isEqualTo(Duration.ofMinutes(4));
                    assertThat(p.getHeartbeat().getInterval()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(p.getHeartbeat().getTimeout()).isEqualTo(Duration.ofSeconds(5));
                    ManagedTaskServer server = context.getBean(ManagedTaskServer.class);
                    assertThat(server.isRunning()).isTrue();
                    assertThat(server.localAddress().orElseThrow().getAddress().getHostAddress())
                            .isEqualTo("127.0.0.1");
                    assertThat(context.getEnvironment().getProperty(ManagedTaskServer.PORT_PROPERTY, Integer.class))
                            .isEqualTo(server.port());
                    // What the handshake announces: the in-flight limit and the frame size.
                    try (TaskConnector connector = TaskClients.connector()) {
                        TaskClient client = connector
                                .connect(server.localAddress().orElseThrow())
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS);
                        assertThat(client.serverMaxTasksInFlight()).isEqualTo(3);
                        assertThat(client.maxPayloadSize())
                                .isLessThan(64 * 1024)
                                .isGreaterThan(60 * 1024);
                        client.close();
                    }
                });
    }

    @Test
    void handlersRunOnBootsTaskExecutor() {
        AtomicInteger executed = new AtomicInteger();
        runner.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class))
                .withBean("applicationTaskExecutor", Executor.class, () -> command -> {
                    executed.incrementAndGet();
                    new Thread(command).start();
                })
                .withBean(Echo.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ManagedTaskServer server = context.getBean(ManagedTaskServer.class);
                    try (TaskConnector connector = TaskClients.connector()) {
                        TaskClient client = connector
                                .connect(server.localAddress().orElseThrow())
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS);
                        assertThat(client.submit(1, new byte[] {42}).get(10, TimeUnit.SECONDS))
                                .containsExactly(42);
                        client.close();
                    }
                    assertThat(executed.get()).isPositive();
                });
    }

    @Test
    void aJsonMapperMakesTheCodecJson() {
        runner.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
                .run(context ->
                        assertThat(context.getBean(TaskPayloadCodec.class)).isInstanceOf(JsonTaskPayloadCodec.class));
        runner.run(context ->
                assertThat(context.getBean(TaskPayloadCodec.class)).isNotInstanceOf(JsonTaskPayloadCodec.class));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "port                            | 70000       | in 0..65535                  | a port number",
                "port                            | -1          | in 0..65535                  | a port number",
                "bind-address                    | no.such.host.invalid | not a known host    | 127.0.0.1",
                "max-clients                     | 0           | must be positive             | 1 or more",
                "max-clients-per-address         | 0           | must be positive             | 1 or more",
                "max-task-threads-per-address    | -1          | must be positive             | 1 or more",
                "max-accept-rate-per-address     | 0           | must be positive             | 1 or more",
                "max-read-rate-per-address       | 100KB       | at least max-frame-size per read-timeout | 16MB",
                "max-tasks-in-flight-per-client  | -3          | must be positive             | 1 or more",
                "max-frame-size                  | 100B        | between 256 bytes and 2 GB   | 1MB",
                "read-timeout                    | 0s          | must be positive             | a positive duration",
                "write-timeout                   | -1s         | must be positive             | a positive duration",
                "stalled-write-backoff           | 0s          | must be positive             | a positive duration",
                "wait-timeout                    | 0ms         | must be positive             | a positive duration",
                "heartbeat.interval              | 0s          | must be positive             | a positive duration",
                "heartbeat.timeout               | 0s          | must be positive             | a positive duration",
                "heartbeat.timeout               | 5s          | longer than the heartbeat interval | a few intervals",
                "executor                        | noSuchBean  | no bean named 'noSuchBean'   | Executor bean",
                "ssl.bundle                      | missing     | no SSL bundle named 'missing' | spring.ssl.bundle",
                "ssl.client-auth                 | need        | needs TLS                    | ssl.bundle",
            })
    void invalidValueIsReportedWithThePropertyAndTheFix(String name, String value, String reason, String action) {
        String property = "persistent-connection.server." + name;
        runner.withPropertyValues("persistent-connection.server.heartbeat.interval=10s", property + "=" + value)
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'" + property + "'")
                            .contains(value)
                            .contains(reason);
                    assertThat(analysis.getAction()).contains(action);
                });
    }

    @Test
    void anInvalidValueSaysWhereItWasWritten() {
        runner.withPropertyValues("persistent-connection.server.max-clients=0").run(context -> {
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Origin:");
        });
    }

    @Test
    void twoHandlersForOneCodeFailNamingBoth() {
        runner.withBean("echo", Echo.class)
                .withBean("otherEcho", OtherEcho.class)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .rootCause()
                            .hasMessageContaining("Task code 1 is served twice")
                            .hasMessageContaining("'echo'")
                            .hasMessageContaining("'otherEcho'");
                });
    }

    @Test
    void aReservedCodeFailsNamingTheBean() {
        runner.withBean("reserved", Reserved.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("code = 65280")
                    .hasMessageContaining("'reserved'")
                    .hasMessageContaining("reserved for the protocol");
        });
    }

    @Test
    void aJsonPayloadWithoutAJsonMapperFailsNamingTheMethod() {
        runner.withBean("typed", Typed.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("'typed'")
                    .hasMessageContaining("spring-boot-starter-jackson");
        });
    }

    @Test
    void twoPayloadParametersFail() {
        runner.withBean("twoPayloads", TwoPayloads.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("two payload parameters");
        });
    }

    @Test
    void theServerStopsWithTheContext() {
        runner.withBean(Echo.class).run(context -> {
            ManagedTaskServer server = context.getBean(ManagedTaskServer.class);
            assertThat(server.isRunning()).isTrue();
            context.close();
            assertThat(server.isRunning()).isFalse();
        });
    }

    @Test
    void stoppedAndStartedAgainItServesOnTheSamePort() {
        runner.withBean(Echo.class).run(context -> {
            ManagedTaskServer server = context.getBean(ManagedTaskServer.class);
            int port = server.port();
            server.stopNow();
            assertThat(server.isRunning()).isFalse();
            assertThat(server.localAddress()).isEmpty();
            server.start();
            assertThat(server.port()).isEqualTo(port);
            try (TaskConnector connector = TaskClients.connector()) {
                TaskClient client = connector
                        .connect(server.localAddress().orElseThrow())
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                assertThat(client.submit(1, new byte[] {7}).get(10, TimeUnit.SECONDS))
                        .containsExactly(7);
                client.close();
            }
        });
    }

    private static FailureAnalysis analyze(Throwable failure) {
        return PropertyFailureAnalysis.of(failure);
    }

    @TaskController
    static class Echo {
        @TaskMapping(code = 1)
        byte[] echo(byte[] payload) {
            return payload;
        }
    }

    @TaskController
    static class OtherEcho {
        @TaskMapping(code = 1)
        String echo(String payload) {
            return payload;
        }
    }

    @TaskController
    static class Reserved {
        @TaskMapping(code = 0xFF00)
        String reserved(String payload) {
            return payload;
        }
    }

    record Point(int x, int y) {}

    @TaskController
    static class Typed {
        @TaskMapping(code = 2)
        String typed(Point point) {
            return point.toString();
        }
    }

    @TaskController
    static class TwoPayloads {
        @TaskMapping(code = 3)
        String two(String a, byte[] b) {
            return a;
        }
    }
}
