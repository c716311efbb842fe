package dev.persistentconnection.spring.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import io.micrometer.observation.ObservationRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A template over a connection built by hand: what its calls do when no connection will ever come. */
class TaskTemplateTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS) // the call's deadline is 60 s: it must not wait for it
    void aCallOnAClosedConnectionFailsAtOnceSayingSoInsteadOfWaitingForItsDeadline() {
        try (TaskConnector connector = TaskClients.connector();
                TaskDeadlineTimer timer = new TaskDeadlineTimer()) {
            PersistentConnection<InetSocketAddress, TaskClient> connection = PersistentConnection.builder(
                            "gone",
                            AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", 1)),
                            connector,
                            TaskClients.lifecycle())
                    .build();
            connection.close();
            TaskTemplate template = new TaskTemplate(
                    "gone",
                    connection,
                    TaskPayloadCodec.bytesAndStrings(),
                    Duration.ofSeconds(60),
                    ObservationRegistry.NOOP,
                    timer.executor());
            assertThatThrownBy(() -> template.call(1, "x", String.class))
                    .isInstanceOf(TaskCallException.class)
                    .isNotInstanceOf(TaskDeadlineExceededException.class)
                    .hasMessageContaining("no connection");
        }
    }
}
