package dev.persistentconnection.faults;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.TimeSource;
import dev.persistentconnection.faults.Instrumented.CountingConnector;
import dev.persistentconnection.faults.Instrumented.CountingLifecycle;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A server, a fault proxy in front of it, and a persistent connection through the proxy with an instrumented
 * connector and lifecycle, an event grammar checker, a timestamped event log and a timer scheduler of its own (so
 * that pending timers can be counted). Closing the rig releases everything.
 */
final class Rig implements AutoCloseable {

    /** An event and when it was delivered (System.nanoTime()). */
    record Stamped(ConnectionEvent<InetSocketAddress, TaskClient> event, long nanos) {}

    final ExecutingServer server;
    final FaultProxy proxy;
    final CountingConnector connector;
    final CountingLifecycle lifecycle = new CountingLifecycle();
    final EventGrammar<TaskClient> grammar;
    final List<Stamped> events = new CopyOnWriteArrayList<>();
    final ScheduledThreadPoolExecutor timers;
    final TaskClientOptions options;
    final Duration retryDelay;
    PersistentConnection<InetSocketAddress, TaskClient> connection;

    Rig(Duration retryDelay, Duration connectTimeout, Duration heartbeatInterval, Duration heartbeatTimeout)
            throws Exception {
        this.retryDelay = retryDelay;
        server = new ExecutingServer(heartbeatInterval, heartbeatTimeout);
        proxy = new FaultProxy(server.address());
        options = TaskClientOptions.builder()
                .connectTimeout(connectTimeout)
                .heartbeatInterval(heartbeatInterval)
                .heartbeatTimeout(heartbeatTimeout)
                .taskTimeout(Duration.ofSeconds(60))
                .build();
        connector = new CountingConnector(TaskClients.connector(options));
        grammar = new EventGrammar<>(lifecycle, connector.created::contains);
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "rig-timer");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
    }

    /** Builds the persistent connection (it starts connecting at once). */
    PersistentConnection<InetSocketAddress, TaskClient> start() {
        connection = PersistentConnection.builder("rig", AddressSuppliers.fixed(proxy.address()), connector, lifecycle)
                .retryDelay(() -> retryDelay)
                .randomization(Randomization.nonRandom())
                .timeSource(TimeSource.of(timers))
                .onEvent(event -> {
                    events.add(new Stamped(event, System.nanoTime()));
                    grammar.on(event);
                    return CompletableFuture.completedFuture(null);
                })
                .build();
        return connection;
    }

    /** The delivery time of the first event of this kind after {@code fromNanos}, or -1. */
    long firstAfter(Class<?> kind, long fromNanos) {
        for (Stamped s : events) {
            if (s.nanos() >= fromNanos && kind.isInstance(s.event())) {
                return s.nanos();
            }
        }
        return -1;
    }

    List<String> eventNames() {
        return events.stream()
                .map(s -> s.event()
                        .toString()
                        .replaceAll("\\(Connected .*\\)", "(Connected)")
                        .replaceAll("\\(Failed_to_connect .*\\)", "(Failed_to_connect)")
                        .replaceAll("\\(Obtained_address .*\\)", "(Obtained_address)"))
                .toList();
    }

    /** Timers scheduled and not run or cancelled yet. */
    int pendingTimers() {
        return timers.getQueue().size();
    }

    @Override
    public void close() {
        if (connection != null) {
            connection
                    .closeAsync()
                    .orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally(e -> null)
                    .join();
        }
        connector.delegate().close();
        proxy.close();
        server.close();
        timers.shutdownNow();
    }
}
