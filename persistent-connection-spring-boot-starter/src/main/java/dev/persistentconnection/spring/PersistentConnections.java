package dev.persistentconnection.spring;

import dev.persistentconnection.PersistentConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.aot.AotDetector;

/**
 * The starter-managed connections, by name, in declaration order. A bean; inject it to look a connection up by
 * name or to iterate over all of them.
 */
public class PersistentConnections implements Iterable<ManagedPersistentConnection> {

    private static final Log logger = LogFactory.getLog(PersistentConnections.class);

    private final Map<String, PersistentConnectionSettings> settings;
    private final Function<PersistentConnectionSettings, ManagedPersistentConnection> factory;
    private final Map<String, ManagedPersistentConnection> created = new LinkedHashMap<>();
    private boolean started;
    private boolean closed;

    /**
     * @param settings the connections' settings by name
     * @param factory creates the managed connection of one name
     */
    public PersistentConnections(
            Map<String, PersistentConnectionSettings> settings,
            Function<PersistentConnectionSettings, ManagedPersistentConnection> factory) {
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.factory = factory;
    }

    /** The names of the connections. */
    public Set<String> names() {
        return settings.keySet();
    }

    /**
     * The connection named {@code name}.
     * @throws NoSuchElementException if there is none
     */
    @SuppressWarnings("unchecked")
    public <A, C> PersistentConnection<A, C> get(String name) {
        return (PersistentConnection<A, C>)
                (PersistentConnection<?, ?>) managed(name).connection();
    }

    /** The connection named {@code name}, if any. */
    public Optional<PersistentConnection<?, ?>> find(String name) {
        return findManaged(name).map(ManagedPersistentConnection::connection);
    }

    /** The managed connection (engine, settings, statistics) named {@code name}, if any. */
    public Optional<ManagedPersistentConnection> findManaged(String name) {
        return settings.containsKey(name) ? Optional.of(managed(name)) : Optional.empty();
    }

    /**
     * The managed connection named {@code name}, created on first use.
     * @throws NoSuchElementException if there is none
     */
    public synchronized ManagedPersistentConnection managed(String name) {
        PersistentConnectionSettings connectionSettings = settings.get(name);
        if (connectionSettings == null) {
            throw new NoSuchElementException("No persistent connection named '" + name + "'; known: " + names()
                    + (AotDetector.useGeneratedArtifacts()
                            ? " (under Spring AOT the bean definitions come from the "
                                    + "configuration seen at build time: a connection removed or disabled since has a bean "
                                    + "but no settings; build again)"
                            : ""));
        }
        ManagedPersistentConnection managed = created.get(name);
        if (managed == null) {
            if (closed) {
                throw new IllegalStateException("The persistent connections are closed");
            }
            managed = factory.apply(connectionSettings);
            created.put(name, managed);
            if (started) {
                managed.start();
            }
        }
        return managed;
    }

    /** All connections, name to engine, in declaration order. */
    public Map<String, PersistentConnection<?, ?>> asMap() {
        Map<String, PersistentConnection<?, ?>> map = new LinkedHashMap<>();
        for (ManagedPersistentConnection managed : this) {
            map.put(managed.name(), managed.connection());
        }
        return Collections.unmodifiableMap(map);
    }

    @Override
    public Iterator<ManagedPersistentConnection> iterator() {
        List<ManagedPersistentConnection> all = new ArrayList<>();
        for (String name : names()) {
            all.add(managed(name));
        }
        return Collections.unmodifiableList(all).iterator();
    }

    /**
     * Drops the current connection of {@code name} so that the engine reconnects.
     * @return whether there was a connection to drop
     */
    public boolean dropCurrentConnection(String name) {
        return managed(name).dropCurrentConnection();
    }

    /** Lets every connection connect (called when the application context starts). */
    public synchronized void start() {
        started = true;
        for (String name : names()) {
            managed(name).start();
        }
    }

    public synchronized boolean isStarted() {
        return started && !closed;
    }

    /**
     * Closes every connection and waits, at most {@code timeout} in all, for them to finish closing.
     * @return whether all finished closing in time
     */
    public boolean close(Duration timeout) {
        List<ManagedPersistentConnection> toClose;
        synchronized (this) {
            if (closed) {
                return true;
            }
            closed = true;
            toClose = new ArrayList<>(created.values());
        }
        List<CompletableFuture<Void>> finished = new ArrayList<>();
        for (ManagedPersistentConnection managed : toClose) {
            finished.add(managed.closeAsync());
        }
        try {
            CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new))
                    .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException ex) {
            logger.warn("Persistent connections did not finish closing within " + timeout + "; going on");
            return false;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException ex) {
            logger.warn("A persistent connection failed to close", ex.getCause());
            return true;
        } finally {
            // Connectors the starter made (and their I/O threads) go last, from this thread, never an I/O one.
            toClose.forEach(ManagedPersistentConnection::releaseConnector);
        }
    }
}
