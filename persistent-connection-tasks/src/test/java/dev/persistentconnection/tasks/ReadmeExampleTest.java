package dev.persistentconnection.tasks;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README examples, kept compiling and working (port 0 instead of 7000). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {

    /** The README's first example, line for line but the port and the assertion. */
    @Test
    void quickStart() throws Exception {
        TaskServer server = TaskServer.builder()
                .port(0)
                .build()
                .register(1, TaskHandler.of(name -> ("hello " + new String(name, UTF_8)).getBytes(UTF_8)), "greet")
                .start();
        try (var greeter = TaskClients.persistent("greeter", new InetSocketAddress("127.0.0.1", server.port()))) {
            byte[] answer = greeter.connected()
                    .join()
                    .submit(1, "world".getBytes(UTF_8))
                    .get(5, SECONDS);
            assertThat(new String(answer, UTF_8)).isEqualTo("hello world");
        } finally {
            server.stop();
        }
    }

    @Test
    void readmeExample() throws Exception {
        TaskServer server = TaskServer.builder()
                .port(0)
                .build()
                .register(
                        1, TaskHandler.of(payload -> ("hello " + new String(payload, UTF_8)).getBytes(UTF_8)), "greet")
                .start();
        int port = server.port();
        TaskConnector connector = TaskClients.connector(TaskClientOptions.builder()
                .connectTimeout(Duration.ofSeconds(2))
                .build());
        PersistentConnection<InetSocketAddress, TaskClient> connection = PersistentConnection.builder(
                        "greeter",
                        AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", port)),
                        connector,
                        TaskClients.lifecycle())
                .build();
        try {
            byte[] answer = connection
                    .connected()
                    .join()
                    .submit(1, "world".getBytes(UTF_8))
                    .get(5, SECONDS);
            assertThat(new String(answer, UTF_8)).isEqualTo("hello world");
        } finally {
            connection.close();
            connector.close();
            server.stop();
        }
    }

    @Test
    void readmeHostileClientLimits() throws Exception {
        TaskServer server = TaskServer.builder()
                .maxClients(2000)
                .maxClientsPerAddress(100) // one host (or one NAT) may hold at most 100 connections
                .maxTaskThreadsPerAddress(4) // ...and 4 task threads, however its handlers block
                .maxAcceptRatePerAddress(50) // ...and opens at most 50 connections a second
                .maxReadRatePerAddress(16 << 20) // ...and sends at most 16 MiB a second over all of them
                .stalledWriteBackoff(java.time.Duration.ofSeconds(5)) // a host that does not read waits 5 s, 10 s...
                .waitTimeout(java.time.Duration.ofMinutes(2))
                .build();
        assertThat(server.settings().stalledWriteBackoff()).isEqualTo(java.time.Duration.ofSeconds(5));
        server.register(1, TaskHandler.of(payload -> payload), "echo").start();
        try (TaskConnector connector = TaskClients.connector();
                TaskClient client = connector.connect(server.localAddress()).get(10, SECONDS)) {
            assertThat(client.submit(1, new byte[] {7}).get(5, SECONDS)).containsExactly(7);
        } finally {
            server.stop();
        }
    }
}
