package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

/**
 * The application's task server: started before the web server takes traffic (and before the starter's client
 * connections start), stopped after both, gracefully (GOODBYE to every client, tasks in flight may finish within
 * the grace period) or at once. It can also be stopped and started again while the application runs (a
 * {@link TaskServer} runs once, so every start builds a new one, on the port the first one bound).
 * <p>
 * The bound port is published as {@value #PORT_PROPERTY}, like Boot's {@code local.server.port}.
 */
public class ManagedTaskServer implements SmartLifecycle {

    /** The phase: below the client connections' (which is below the web server's). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 5120;

    /** The property the bound port is published under. */
    public static final String PORT_PROPERTY = "local.persistent-connection.server.port";

    private final IntFunction<TaskServer> factory;
    private final int configuredPort;
    private final Duration grace;
    private final @Nullable ConfigurableEnvironment environment;
    private final List<TaskHandlerMethod> handlerMethods;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private @Nullable TaskServer server;
    private int boundPort;

    /**
     * Told when the server starts listening and before it stops, on every start and stop (a restart while the
     * application runs included, which the application context does not see).
     */
    public interface Listener {
        /** The server listens on {@code address}. */
        void started(InetSocketAddress address);

        /** The server is about to stop (gracefully or at once). */
        void stopping();
    }

    /** Adds a listener of every later start and stop. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /**
     * @param factory builds a server (not started) with every handler registered, listening on the given port
     * @param port the configured port (0: a free one the first time, the same one on every restart)
     * @param grace how long tasks in flight may take at shutdown; zero stops at once
     * @param environment where to publish the port, or {@code null}
     */
    public ManagedTaskServer(
            IntFunction<TaskServer> factory, int port, Duration grace, @Nullable ConfigurableEnvironment environment) {
        this(factory, port, grace, environment, List.of());
    }

    /**
     * @param handlerMethods the {@code @TaskMapping} methods the factory registers (for {@link #handlerMethods()})
     */
    public ManagedTaskServer(
            IntFunction<TaskServer> factory,
            int port,
            Duration grace,
            @Nullable ConfigurableEnvironment environment,
            Collection<TaskHandlerMethod> handlerMethods) {
        this.factory = factory;
        this.configuredPort = port;
        this.grace = grace;
        this.environment = environment;
        this.handlerMethods = handlerMethods.stream()
                .sorted(Comparator.comparingInt(TaskHandlerMethod::code))
                .toList();
    }

    /** Starts a server if none is running; a restart binds the port the first start bound. */
    @Override
    public synchronized void start() {
        if (server != null && server.isRunning()) {
            return;
        }
        TaskServer next = factory.apply(boundPort != 0 ? boundPort : configuredPort);
        next.start();
        server = next;
        boundPort = next.port();
        if (environment != null) {
            MutablePropertySources sources = environment.getPropertySources();
            sources.remove(PORT_PROPERTY);
            sources.addFirst(new MapPropertySource(PORT_PROPERTY, Map.of(PORT_PROPERTY, boundPort)));
        }
        for (Listener listener : listeners) {
            listener.started(next.localAddress());
        }
    }

    /** Stops the server (gracefully when a grace period is set); returns when it is stopped. */
    @Override
    public void stop() {
        TaskServer current;
        synchronized (this) {
            current = server;
        }
        if (current != null) {
            stopping(current);
            if (grace.isZero() || grace.isNegative()) {
                current.stop();
            } else {
                current.stop(grace);
            }
        }
    }

    /** Stops at once: clients are closed and their tasks in flight fail with a lost connection. */
    public void stopNow() {
        TaskServer current;
        synchronized (this) {
            current = server;
        }
        if (current != null) {
            stopping(current);
            current.stop();
        }
    }

    private void stopping(TaskServer current) {
        if (current.isRunning()) {
            for (Listener listener : listeners) {
                listener.stopping();
            }
        }
    }

    @Override
    public void stop(Runnable callback) {
        if (grace.isZero() || grace.isNegative()) {
            stop();
            callback.run();
            return;
        }
        Thread stopper = new Thread(
                () -> {
                    try {
                        stop();
                    } finally {
                        callback.run();
                    }
                },
                "task-server-shutdown");
        stopper.setDaemon(true);
        stopper.start();
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null && server.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The running server, if there is one. */
    public synchronized Optional<TaskServer> current() {
        return (server != null && server.isRunning()) ? Optional.of(server) : Optional.empty();
    }

    /** The port the server bound (0 before the first start). */
    public synchronized int port() {
        return boundPort;
    }

    /** The address the server listens on, while it runs. */
    public Optional<InetSocketAddress> localAddress() {
        return current().map(TaskServer::localAddress);
    }

    /** The clients past their handshake (none while stopped). */
    public List<ConnectedClient> clients() {
        return current().map(TaskServer::clients).orElse(List.of());
    }

    /** The number of clients past their handshake. */
    public int numClients() {
        return current().map(TaskServer::numClients).orElse(0);
    }

    /** The tasks the server is running, over every client. */
    public int tasksInFlight() {
        int n = 0;
        for (ConnectedClient client : clients()) {
            n += client.tasks().size();
        }
        return n;
    }

    /** The {@code @TaskMapping} methods served, by increasing code. */
    public List<TaskHandlerMethod> handlerMethods() {
        return handlerMethods;
    }

    /** The task codes served. */
    public synchronized List<Integer> taskCodes() {
        return (server != null) ? server.registeredTaskCodes() : List.of();
    }
}
