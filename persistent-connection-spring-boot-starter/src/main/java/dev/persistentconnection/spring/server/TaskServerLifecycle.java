package dev.persistentconnection.spring.server;

import java.time.Duration;
import java.util.Map;

import dev.persistentconnection.tasks.TaskServer;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

/**
 * Starts the task server before the web server takes traffic (and before the starter's client connections
 * start), and stops it after both: gracefully (GOODBYE to every client, tasks in flight may finish within the
 * grace period) or at once.
 * <p>
 * The bound port is published as {@value #PORT_PROPERTY}, like Boot's {@code local.server.port}.
 */
public class TaskServerLifecycle implements SmartLifecycle {

    /** The phase: below the client connections' (which is below the web server's). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 5120;

    /** The property the bound port is published under. */
    public static final String PORT_PROPERTY = "local.persistent-connection.server.port";

    private final TaskServer server;
    private final Duration grace;
    private final ConfigurableEnvironment environment;
    private volatile boolean running;

    /**
     * @param server the server (not started)
     * @param grace how long tasks in flight may take at shutdown; {@code null} or zero stops at once
     * @param environment where to publish the port, or {@code null}
     */
    public TaskServerLifecycle(TaskServer server, Duration grace, ConfigurableEnvironment environment) {
        this.server = server;
        this.grace = grace;
        this.environment = environment;
    }

    @Override
    public void start() {
        server.start();
        running = true;
        if (environment != null) {
            MutablePropertySources sources = environment.getPropertySources();
            sources.remove(PORT_PROPERTY);
            sources.addFirst(new MapPropertySource(PORT_PROPERTY, Map.of(PORT_PROPERTY, server.port())));
        }
    }

    @Override
    public void stop() {
        running = false;
        stopServer();
    }

    @Override
    public void stop(Runnable callback) {
        running = false;
        if (grace == null || grace.isZero() || grace.isNegative()) {
            server.stop();
            callback.run();
            return;
        }
        Thread stopper = new Thread(() -> {
            try {
                stopServer();
            }
            finally {
                callback.run();
            }
        }, "task-server-shutdown");
        stopper.setDaemon(true);
        stopper.start();
    }

    private void stopServer() {
        if (grace == null || grace.isZero() || grace.isNegative()) {
            server.stop();
        }
        else {
            server.stop(grace);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
