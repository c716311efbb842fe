package dev.persistentconnection.tasks;

import dev.persistentconnection.ConnectionLifecycle;
import java.util.concurrent.CompletionStage;

/**
 * Entry points for keeping a {@link TaskClient} connected with a {@code PersistentConnection}:
 *
 * <pre>{@code
 * try (TaskConnector connector = TaskClients.connector()) {
 *     PersistentConnection<InetSocketAddress, TaskClient> connection = PersistentConnection.builder("tasks",
 *             AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", 7000)), connector, TaskClients.lifecycle())
 *             .build();
 * }
 * }</pre>
 */
public final class TaskClients {
    private static final ConnectionLifecycle<TaskClient> LIFECYCLE = new ConnectionLifecycle<>() {
        @Override
        public CompletionStage<Void> close(TaskClient connection) {
            return connection.closeAsync();
        }

        @Override
        public boolean isClosed(TaskClient connection) {
            return connection.isClosed();
        }

        @Override
        public CompletionStage<Void> closeFinished(TaskClient connection) {
            return connection.closeFinished();
        }
    };

    private TaskClients() {
    }

    /** A connector with the default options; close it to release its I/O thread. */
    public static TaskConnector connector() {
        return new TaskConnector(TaskClientOptions.defaults());
    }

    /** A connector with these options; close it to release its I/O thread (if it created one). */
    public static TaskConnector connector(TaskClientOptions options) {
        return new TaskConnector(options);
    }

    /** How a {@code PersistentConnection} closes and watches a {@link TaskClient}. */
    public static ConnectionLifecycle<TaskClient> lifecycle() {
        return LIFECYCLE;
    }
}
