package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.PersistentConnections;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the connections when the context starts and closes them when it stops, waiting a bounded time for
 * {@code closeFinished}.
 * <p>
 * The phase is below the web server's (start/stop and graceful shutdown): connections are up before the server
 * takes requests, and stay up while in-flight requests drain during a graceful shutdown.
 */
public class PersistentConnectionsLifecycle implements SmartLifecycle {

    /** The phase: after the web server stops (and after its graceful shutdown). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final PersistentConnections connections;
    private final Duration shutdownTimeout;
    private volatile boolean running;

    public PersistentConnectionsLifecycle(PersistentConnections connections, Duration shutdownTimeout) {
        this.connections = connections;
        this.shutdownTimeout = shutdownTimeout;
    }

    @Override
    public void start() {
        connections.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        connections.close(shutdownTimeout);
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
