package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.test.FakeConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoggingAndShutdownTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
            .withPropertyValues(
                    "persistent-connection.connections.orders.addresses=localhost:7000",
                    "persistent-connection.connections.orders.retry-delay=20ms",
                    "persistent-connection.connections.orders.jitter=0");

    @Test
    void eachEventIsLoggedOnceAndRepeatedIdenticalFailuresAreNotLoggedAgain(CapturedOutput output) {
        CompletableFuture<Void> refusing = new CompletableFuture<>();
        RecordingConnector connector = new RecordingConnector() {
            @Override
            public CompletionStage<FakeConnection> connect(InetSocketAddress address, ConnectContext context) {
                if (!refusing.isDone()) {
                    return CompletableFuture.failedFuture(new java.net.ConnectException("Connection refused"));
                }
                return super.connect(address, context);
            }
        };
        runner.withBean(
                        "ordersRegistration",
                        PersistentConnectionRegistration.class,
                        () -> RecordingConnector.registration("orders", connector))
                .run(context -> {
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() ->
                                    connections.managed("orders").statistics().failedAttempts() >= 5);
                    refusing.complete(null);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .get("orders")
                                    .currentConnection()
                                    .isPresent());
                    String log = output.getOut() + output.getErr();
                    // Independent of the log format (plain logback here, Boot's pattern once a SpringApplication ran).
                    String prefix = "Persistent connection 'orders' to orders: ";
                    assertThat(lines(log, prefix + "Failed_to_connect"))
                            .singleElement()
                            .asString()
                            .contains("ERROR")
                            .contains("java.net.ConnectException: Connection refused");
                    assertThat(lines(log, prefix + "Attempting_to_connect"))
                            .singleElement()
                            .asString()
                            .contains("INFO");
                    assertThat(lines(log, prefix + "Obtained_address localhost:7000"))
                            .singleElement()
                            .asString()
                            .contains("INFO");
                    assertThat(lines(log, prefix + "(Connected "))
                            .singleElement()
                            .asString()
                            .contains("INFO");
                });
    }

    /** A connector that owns a resource, such as a TaskConnector and its I/O thread. */
    static final class CloseableConnector extends RecordingConnector implements AutoCloseable {
        volatile int closes;

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    void connectorsMadeByAFactoryAreClosedAtShutdownAndReadyMadeOnesAreLeftToTheirOwner() {
        CloseableConnector made = new CloseableConnector();
        CloseableConnector given = new CloseableConnector();
        runner.withPropertyValues("persistent-connection.connections.payments.addresses=localhost:7001")
                .withBean(
                        "ordersRegistration",
                        PersistentConnectionRegistration.class,
                        () -> PersistentConnectionRegistration.<InetSocketAddress, FakeConnection>forConnection(
                                        "orders")
                                .connectorFactory(settings -> made)
                                .lifecycle(FakeConnection.lifecycle())
                                .build())
                .withBean(
                        "paymentsRegistration",
                        PersistentConnectionRegistration.class,
                        () -> PersistentConnectionRegistration.<InetSocketAddress, FakeConnection>forConnection(
                                        "payments")
                                .connector(given)
                                .lifecycle(FakeConnection.lifecycle())
                                .build())
                .run(context -> {
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .get("orders")
                                    .currentConnection()
                                    .isPresent());
                    assertThat(made.closes).isZero();
                    context.close();
                    assertThat(made.connections)
                            .allSatisfy(c -> assertThat(c.isClosed()).isTrue());
                    assertThat(made.closes)
                            .as("the starter made it, the starter closes it")
                            .isEqualTo(1);
                    assertThat(given.closes).as("the user's own connector").isZero();
                });
    }

    private static java.util.List<String> lines(String text, String needle) {
        return text.lines().filter(line -> line.contains(needle)).toList();
    }

    @Test
    void shutdownWaitsForClosingAtMostTheShutdownTimeout() {
        ConnectionLifecycle<FakeConnection> neverFinishes = new ConnectionLifecycle<>() {
            @Override
            public CompletionStage<Void> close(FakeConnection connection) {
                return new CompletableFuture<>();
            }

            @Override
            public boolean isClosed(FakeConnection connection) {
                return false;
            }

            @Override
            public CompletionStage<Void> closeFinished(FakeConnection connection) {
                return new CompletableFuture<>();
            }
        };
        runner.withBean(
                        "ordersRegistration",
                        PersistentConnectionRegistration.class,
                        () -> PersistentConnectionRegistration.<InetSocketAddress, FakeConnection>forConnection(
                                        "orders")
                                .connector(new RecordingConnector())
                                .lifecycle(neverFinishes)
                                .build())
                .withPropertyValues("persistent-connection.shutdown-timeout=300ms")
                .run(context -> {
                    PersistentConnections connections = context.getBean(PersistentConnections.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> connections
                                    .get("orders")
                                    .currentConnection()
                                    .isPresent());
                    long start = System.nanoTime();
                    context.close();
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(millis).isBetween(250L, 5000L);
                    assertThat(connections.get("orders").isClosed()).isTrue();
                });
    }
}
