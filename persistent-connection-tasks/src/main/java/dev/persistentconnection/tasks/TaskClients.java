package dev.persistentconnection.tasks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.PersistentConnection;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Entry points for keeping a {@link TaskClient} connected with a {@code PersistentConnection}. In one call, with the
 * default options:
 *
 * <pre>{@code
 * try (var greeter = TaskClients.persistent("greeter", new InetSocketAddress("127.0.0.1", 7000))) {
 *     byte[] answer = greeter.connected().join().submit(1, request).get(5, SECONDS);
 * }
 * }</pre>
 *
 * <p>With options of your own, build the persistent connection with {@link #connector(TaskClientOptions)} and
 * {@link #lifecycle()}, and close the connector after the connection.
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

    private TaskClients() {}

    /**
     * A persistent connection to the task server at {@code address}, with the default options and retry delay; it
     * starts connecting at once and reconnects by itself until closed. Its clients run on one daemon I/O thread
     * shared by every connection made this way (as {@code TimeSource.system()} shares its timer thread), so closing
     * the persistent connection is all the cleaning up there is.
     *
     * @param serverName the server's name, for logs and events
     * @param address    where the server listens; resolved again before every attempt if unresolved
     */
    public static PersistentConnection<InetSocketAddress, TaskClient> persistent(
            String serverName, InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        return PersistentConnection.builder(
                        serverName, AddressSuppliers.fixed(address), SharedConnector.INSTANCE, LIFECYCLE)
                .build();
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

    /** The connector of {@link #persistent}, created on first use and never closed: its thread is a daemon. */
    private static final class SharedConnector {
        static final TaskConnector INSTANCE = new TaskConnector(TaskClientOptions.defaults(), "task-client-shared-io");
    }
}
