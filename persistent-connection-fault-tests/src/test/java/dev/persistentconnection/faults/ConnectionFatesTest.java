package dev.persistentconnection.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.faults.FaultProxy.Cut;
import dev.persistentconnection.tasks.ConnectionLostException;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The soak's classifier reads each connection's own fate, even when a later connection reuses its port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionFatesTest {

    @Test
    void aReusedPortIsJoinedWithTheConnectionThatHeldItAtTheTime() throws Exception {
        TaskClientOptions options = TaskClientOptions.builder()
                .heartbeatInterval(Duration.ofMillis(150))
                .heartbeatTimeout(Duration.ofSeconds(3))
                .build();
        try (ExecutingServer server = new ExecutingServer(Duration.ofMillis(150), Duration.ofSeconds(3));
                FaultProxy proxy = new FaultProxy(server.address());
                TaskConnector connector = TaskClients.connector(options)) {
            proxy.pinUpstreamPort(true);
            Map<TaskClient, Instant> created = new HashMap<>();

            // A task runs on the first connection, and the proxy cuts that connection while it runs.
            TaskClient first = connector.connect(proxy.address()).get(10, TimeUnit.SECONDS);
            created.put(first, Instant.now());
            CompletableFuture<byte[]> lost = first.submit(ExecutingServer.ECHO, ExecutingServer.payload(1, 2_000));
            await().until(() -> server.executions().containsKey(1L));
            proxy.cutAll(Cut.RST);
            assertThat(lost)
                    .failsWithin(Duration.ofSeconds(10))
                    .withThrowableThat()
                    .havingCause()
                    .isInstanceOf(ConnectionLostException.class);
            first.closeFinished().get(10, TimeUnit.SECONDS);

            // A second connection, undisrupted, reaches the server from the same port.
            TaskClient second = connector.connect(proxy.address()).get(10, TimeUnit.SECONDS);
            created.put(second, Instant.now());
            second.submit(ExecutingServer.ECHO, ExecutingServer.payload(2, 0)).get(10, TimeUnit.SECONDS);
            ExecutingServer.Execution cut = server.executions().get(1L);
            ExecutingServer.Execution clean = server.executions().get(2L);
            assertThat(clean.remotePorts.get(0)).isEqualTo(cut.remotePorts.get(0));

            ConnectionFates fates = new ConnectionFates(proxy.connections(), created);
            assertThat(fates.disruption(cut.connections.get(0), cut.remotePorts.get(0)))
                    .isEqualTo("proxy [cut-rst]");
            assertThat(fates.client(fates.pair(cut.connections.get(0), cut.remotePorts.get(0))))
                    .isSameAs(first);
            assertThat(fates.disruption(clean.connections.get(0), clean.remotePorts.get(0)))
                    .isNull();
            assertThat(fates.client(fates.pair(clean.connections.get(0), clean.remotePorts.get(0))))
                    .isSameAs(second);
            second.close();
        }
    }
}
