package dev.persistentconnection.faults;

import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.Connector;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A connector and a lifecycle that record every connection they create and every close they are asked for. */
final class Instrumented {

    private Instrumented() {}

    /** Wraps a {@link TaskConnector}: counts attempts, keeps every {@link TaskClient} it handed out. */
    static final class CountingConnector implements Connector<InetSocketAddress, TaskClient> {
        private final TaskConnector delegate;
        final List<TaskClient> created = new CopyOnWriteArrayList<>();
        /** When each client was handed out (its handshake done). */
        final Map<TaskClient, Instant> createdAt = new ConcurrentHashMap<>();

        final AtomicLong attempts = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();

        CountingConnector(TaskConnector delegate) {
            this.delegate = delegate;
        }

        TaskConnector delegate() {
            return delegate;
        }

        @Override
        public CompletionStage<TaskClient> connect(InetSocketAddress address, ConnectContext context) {
            attempts.incrementAndGet();
            inFlight.incrementAndGet();
            return delegate.connect(address, context).whenComplete((client, error) -> {
                inFlight.decrementAndGet();
                if (client != null) {
                    createdAt.put(client, Instant.now());
                    created.add(client);
                } else {
                    failures.incrementAndGet();
                }
            });
        }
    }

    /** Delegates to {@link TaskClients#lifecycle()}, counting {@code close} calls per connection. */
    static final class CountingLifecycle implements ConnectionLifecycle<TaskClient> {
        private final ConnectionLifecycle<TaskClient> delegate = TaskClients.lifecycle();
        final Map<TaskClient, AtomicInteger> closeCalls = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<Void> close(TaskClient connection) {
            closeCalls.computeIfAbsent(connection, c -> new AtomicInteger()).incrementAndGet();
            return delegate.close(connection);
        }

        @Override
        public boolean isClosed(TaskClient connection) {
            return delegate.isClosed(connection);
        }

        @Override
        public CompletionStage<Void> closeFinished(TaskClient connection) {
            return delegate.closeFinished(connection);
        }

        /** Connections the engine asked to close more than once. */
        List<String> closedTwice() {
            List<String> twice = new ArrayList<>();
            closeCalls.forEach((c, n) -> {
                if (n.get() > 1) {
                    twice.add(c + " closed " + n.get() + " times");
                }
            });
            return twice;
        }
    }

    private static final Pattern LOCAL_PORT = Pattern.compile("TaskClient\\[[^:]*:(\\d+)->");

    /** The local port of a client, from its {@code toString()} ({@code TaskClient[/127.0.0.1:port->...]}). */
    static int localPort(TaskClient client) {
        Matcher m = LOCAL_PORT.matcher(client.toString());
        if (!m.find()) {
            throw new IllegalStateException("cannot read the local port of " + client);
        }
        return Integer.parseInt(m.group(1));
    }
}
