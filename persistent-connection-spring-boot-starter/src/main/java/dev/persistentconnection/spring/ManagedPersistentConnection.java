package dev.persistentconnection.spring;

import dev.persistentconnection.AddressSupplier;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.Connector;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;

/**
 * One starter-managed connection: the engine, the lifecycle of its connection type, its settings and statistics.
 * <p>
 * The engine is built when the bean is created, but it is parked on its first {@code AttemptingToConnect} event
 * until {@link #start()} (called when the application context starts): nothing touches the network and no
 * event is published before every listener is registered.
 */
public final class ManagedPersistentConnection {

    private static final Log logger = LogFactory.getLog(ManagedPersistentConnection.class);

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final PersistentConnectionSettings settings;
    private final ConnectionLifecycle<Object> lifecycle;
    private final ConnectionStatistics statistics = new ConnectionStatistics();
    private final EventHistory history;
    private final Outage outage = new Outage();
    private final CompletableFuture<Void> startGate = new CompletableFuture<>();
    private final BackoffDelay backoff;
    private final ApplicationEventPublisher publisher;
    private volatile boolean started;
    private volatile boolean closing;
    private volatile PersistentConnection<Object, Object> connection;
    private final Connector<Object, Object> connector;
    private final boolean connectorOwned;
    private final Function<Object, Optional<? extends Throwable>> closeReason;
    private volatile @Nullable Object current;
    private volatile @Nullable Throwable lastCloseReason;

    @SuppressWarnings("unchecked")
    private <A, C> ManagedPersistentConnection(
            PersistentConnectionSettings settings,
            PersistentConnectionRegistration<A, C> registration,
            AddressSupplier<A> addresses,
            List<PersistentConnectionCustomizer> customizers,
            ApplicationEventPublisher publisher) {
        this.settings = settings;
        this.lifecycle = (ConnectionLifecycle<Object>) registration.lifecycle();
        this.publisher = publisher;
        this.backoff = new BackoffDelay(settings);
        this.history = new EventHistory(settings.eventHistorySize());
        Connector<Object, Object> connector = (Connector<Object, Object>) registration.connector(settings);
        this.connector = connector;
        this.connectorOwned = registration.connectorOwned();
        PersistentConnectionRegistration<A, Object> typed = (PersistentConnectionRegistration<A, Object>) registration;
        this.closeReason = typed::closeReason;
        AddressSupplier<Object> addressSupplier = (AddressSupplier<Object>) addresses;
        PersistentConnection.Builder<Object, Object> builder = PersistentConnection.builder(
                settings.serverName(),
                () -> obtainAddress(addressSupplier),
                (address, context) -> connect(connector, address, context),
                this.lifecycle);
        for (PersistentConnectionCustomizer customizer : customizers) {
            customizer.customize(settings.name(), builder);
        }
        boolean decorrelated =
                settings.backoff().strategy() == PersistentConnectionSettings.Backoff.Strategy.DECORRELATED_JITTER;
        builder.onEvent(this::onEvent)
                .retryDelay(backoff)
                .randomization(
                        settings.jitter() == 0.0 || decorrelated
                                ? Randomization.nonRandom()
                                : Randomization.percent(settings.jitter(), new Random()));
        if (!settings.reconnectJitter().isZero()) {
            builder.reconnectJitter(settings.reconnectJitter());
        }
        this.connection = builder.build();
    }

    /**
     * Builds the engine of one connection (parked until {@link #start()}).
     * @param settings the effective settings
     * @param registration the connector and lifecycle
     * @param addresses where addresses come from
     * @param customizers the builder customizers, in order
     * @param publisher where the events go
     * @return the managed connection
     */
    public static <A, C> ManagedPersistentConnection create(
            PersistentConnectionSettings settings,
            PersistentConnectionRegistration<A, C> registration,
            AddressSupplier<A> addresses,
            List<PersistentConnectionCustomizer> customizers,
            ApplicationEventPublisher publisher) {
        return new ManagedPersistentConnection(settings, registration, addresses, customizers, publisher);
    }

    private CompletionStage<Object> obtainAddress(AddressSupplier<Object> supplier) {
        if (closing) {
            return CompletableFuture.failedFuture(new IllegalStateException("Persistent connection closing"));
        }
        CompletionStage<Object> stage;
        try {
            stage = supplier.get();
        } catch (RuntimeException ex) {
            stage = CompletableFuture.failedFuture(ex);
        }
        return stage.whenComplete((address, error) -> {
            if (error != null) {
                attemptFailed(error);
            }
        });
    }

    private CompletionStage<Object> connect(
            Connector<Object, Object> connector, Object address, dev.persistentconnection.ConnectContext context) {
        long start = System.nanoTime();
        CompletionStage<Object> stage;
        try {
            stage = connector.connect(address, context);
        } catch (RuntimeException ex) {
            stage = CompletableFuture.failedFuture(ex);
        }
        return stage.whenComplete((conn, error) -> {
            if (error == null) {
                statistics.attemptSucceeded(System.nanoTime() - start);
                backoff.connected();
            } else {
                attemptFailed(error);
            }
        });
    }

    private void attemptFailed(Throwable error) {
        Throwable cause = ConnectionDescriptions.unwrap(error);
        statistics.attemptFailed(cause);
        backoff.failed();
        history.attemptFailed(now());
        String stillFailing = outage.attemptFailed(cause, settings.stillFailingLogInterval());
        if (stillFailing != null && !closing && logger.isInfoEnabled()) {
            logger.info(prefix() + stillFailing);
        }
    }

    /** Now on the connection's time source, the clock of its states (the wall clock only inside build()). */
    private Instant now() {
        PersistentConnection<Object, Object> engine = connection;
        return (engine != null) ? engine.timeSource().now() : Instant.now();
    }

    private CompletionStage<Void> onEvent(ConnectionEvent<Object, Object> event) {
        if (!started) {
            // Only the first AttemptingToConnect, delivered inside build(): wait for the context to start.
            return startGate.thenCompose(ignored -> deliver(event));
        }
        return deliver(event);
    }

    private CompletionStage<Void> deliver(ConnectionEvent<Object, Object> event) {
        Throwable reason = null;
        if (event instanceof ConnectionEvent.Connected<Object, Object> connected) {
            current = connected.connection();
            Outage.Ended ended = outage.connected();
            if (ended != null) {
                statistics.outageEnded(ended.duration(), ended.attempts());
                if (started && !closing && logger.isInfoEnabled()) {
                    logger.info(
                            prefix() + "recovered after " + ConnectionDescriptions.describeDuration(ended.duration())
                                    + " and " + ended.attempts() + " attempt" + (ended.attempts() == 1 ? "" : "s"));
                }
            }
        } else if (event instanceof ConnectionEvent.Disconnected<?, ?>) {
            statistics.disconnected();
            backoff.disconnected();
            outage.disconnected();
            reason = closeReasonOf(current);
            current = null;
            if (reason != null) {
                lastCloseReason = reason;
            }
        }
        history.record(event, now());
        if (!started) {
            return DONE; // closed before the context started: nothing to report
        }
        if (reason != null && !closing && logger.isInfoEnabled()) {
            logger.info(prefix() + event + ": " + ConnectionDescriptions.describeError(reason));
        } else {
            log(event);
        }
        try {
            publisher.publishEvent(PersistentConnectionEvent.of(
                    connection, settings.name(), connection.timeSource().now(), event));
        } catch (RuntimeException | Error ex) {
            logger.warn(
                    "A listener of persistent connection '" + settings.name() + "' failed on " + event
                            + "; the connection goes on",
                    ex);
        }
        return DONE;
    }

    private void log(ConnectionEvent<Object, Object> event) {
        if (event instanceof ConnectionEvent.FailedToConnect<?, ?> failed) {
            Throwable error = failed.error(); // the engine unwraps completion wrappers
            if (closing) {
                if (logger.isDebugEnabled()) {
                    logger.debug(prefix() + "Failed_to_connect while closing: " + error);
                }
            } else if (logger.isErrorEnabled()) {
                String message = prefix() + "Failed_to_connect: " + error;
                if (logger.isDebugEnabled()) {
                    logger.error(message, error);
                } else {
                    logger.error(message);
                }
            }
        } else if (event instanceof ConnectionEvent.ObtainedAddress<?, ?> obtained) {
            if (logger.isInfoEnabled()) {
                logger.info(
                        prefix() + "Obtained_address " + ConnectionDescriptions.describeAddress(obtained.address()));
            }
        } else if (logger.isInfoEnabled()) {
            logger.info(prefix() + event);
        }
    }

    private String prefix() {
        return "Persistent connection '" + settings.name() + "' to " + settings.serverName() + ": ";
    }

    private @Nullable Throwable closeReasonOf(@Nullable Object connection) {
        if (connection == null) {
            return null;
        }
        try {
            return closeReason.apply(connection).orElse(null);
        } catch (RuntimeException ex) {
            return null;
        }
    }

    /**
     * Why the last connection closed, when its type says (the peer's close code and reason, a ping or idle
     * timeout, an oversized message); empty until then, and for connection types that do not say.
     */
    public Optional<Throwable> lastCloseReason() {
        return Optional.ofNullable(lastCloseReason);
    }

    /** Lets the engine go: it obtains an address and connects. Idempotent. */
    public void start() {
        if (!closing) {
            started = true;
            startGate.complete(null);
        }
    }

    /** Whether {@link #start()} has been called. */
    public boolean isStarted() {
        return started;
    }

    /** Starts closing the connection (the engine closes the current connection and stops retrying). */
    public CompletableFuture<Void> closeAsync() {
        closing = true;
        CompletableFuture<Void> finished = connection.closeAsync();
        startGate.complete(null);
        return finished;
    }

    /**
     * Closes the connector if the starter made it (see {@link PersistentConnectionRegistration#connectorOwned()}).
     * Called once the connection has closed, from the thread that shuts the context down, never from an I/O thread
     * of the connector itself (closing a Netty connector waits for its event loop).
     */
    public void releaseConnector() {
        if (connectorOwned && connector instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ex) {
                logger.debug("Failed to close the connector of persistent connection '" + settings.name() + "'", ex);
            }
        }
    }

    /**
     * Closes the current connection, if any, through its lifecycle; the engine notices it, publishes
     * {@code Disconnected} and reconnects.
     * @return whether there was a connection to drop
     */
    public boolean dropCurrentConnection() {
        return connection
                .currentConnection()
                .map(current -> {
                    lifecycle.close(current);
                    return true;
                })
                .orElse(false);
    }

    /**
     * Skips the rest of the current retry wait (see {@link PersistentConnection#retryNow()}).
     * @return whether the connection was waiting to retry (after a failure or a disconnection)
     */
    public boolean retryNow() {
        ConnectionState.Phase phase = connection.state().phase();
        connection.retryNow();
        return phase == ConnectionState.Phase.WAITING_TO_RETRY || phase == ConnectionState.Phase.DISCONNECTED;
    }

    /**
     * True when the engine stopped for good because of an error: a {@code FatalConnectException} or
     * {@code ConnectContext.abort(error)}; not after a close, nor after {@code closeWhenCurrentConnectionIsClosed()}.
     */
    public boolean isAborted() {
        if (!connection.isClosed()) {
            return false;
        }
        CompletableFuture<Object> outcome = connection.connectedOrFailedToConnect();
        if (!outcome.isCompletedExceptionally()) {
            return false;
        }
        Throwable error = outcome.handle((value, failure) -> failure).join();
        return !(ConnectionDescriptions.unwrap(error)
                instanceof dev.persistentconnection.PersistentConnectionClosedException);
    }

    /** The recent events, for the actuator endpoint. */
    public EventHistory history() {
        return history;
    }

    /** The connection's name. */
    public String name() {
        return settings.name();
    }

    /** The effective settings. */
    public PersistentConnectionSettings settings() {
        return settings;
    }

    /** The engine (the {@code PersistentConnection} bean). */
    public PersistentConnection<Object, Object> connection() {
        return connection;
    }

    /** A snapshot of the engine's state. */
    public ConnectionState state() {
        return connection.state();
    }

    /** The attempt, connect time and disconnect counters. */
    public ConnectionStatistics statistics() {
        return statistics;
    }

    /** The connector the connection opens its connections with (the registration's, or the one its factory made). */
    public Connector<?, ?> connector() {
        return connector;
    }

    /**
     * The current outage as the starter sees it: from the disconnection, or from the first failure of a connection
     * that was not up, to the next {@code Connected}; counts its attempts, and says when to log "still failing".
     */
    static final class Outage {

        /** An outage that ended: how long it lasted and how many attempts it took, the successful one included. */
        record Ended(Duration duration, int attempts) {}

        private long startedAt;
        private boolean active;
        private int failedAttempts;
        private long loggedAt;

        synchronized void disconnected() {
            if (!active) {
                active = true;
                startedAt = System.nanoTime();
                loggedAt = startedAt;
                failedAttempts = 0;
            }
        }

        /** Counts the failure; returns the "still failing" line when one is due, else null. */
        synchronized @Nullable String attemptFailed(Throwable error, Duration logInterval) {
            long now = System.nanoTime();
            if (!active) {
                active = true;
                startedAt = now;
                loggedAt = now;
                failedAttempts = 0;
            }
            failedAttempts++;
            if (now - loggedAt < logInterval.toNanos()) {
                return null;
            }
            loggedAt = now;
            return "still failing: " + failedAttempts + " attempt" + (failedAttempts == 1 ? "" : "s") + " over "
                    + ConnectionDescriptions.describeDuration(Duration.ofNanos(now - startedAt)) + ", last error "
                    + ConnectionDescriptions.describeError(error);
        }

        synchronized @Nullable Ended connected() {
            if (!active) {
                return null;
            }
            active = false;
            return new Ended(Duration.ofNanos(System.nanoTime() - startedAt), failedAttempts + 1);
        }
    }

    /**
     * The retry delay: {@code retry-delay x multiplier^n}, at most {@code max-delay}, where n counts the
     * consecutive failed attempts and the connections that dropped before {@code reset-after}.
     */
    static final class BackoffDelay implements Supplier<Duration> {

        private final Duration base;
        private final double multiplier;
        private final Duration max;
        private final long resetAfterNanos;
        private final dev.persistentconnection.@Nullable Backoff decorrelated;
        private int failures;
        private long connectedAt;

        BackoffDelay(PersistentConnectionSettings settings) {
            this.base = settings.retryDelay();
            this.multiplier = settings.backoff().multiplier();
            this.max = settings.backoff().maxDelay();
            this.resetAfterNanos = settings.backoff().resetAfter().toNanos();
            this.decorrelated =
                    settings.backoff().strategy() == PersistentConnectionSettings.Backoff.Strategy.DECORRELATED_JITTER
                                    && !base.isZero()
                            ? dev.persistentconnection.Backoff.decorrelatedJitter(
                                    base, base.compareTo(max) > 0 ? base : max, new Random())
                            : null;
        }

        @Override
        public synchronized Duration get() {
            if (decorrelated != null) {
                return decorrelated.delay(failures);
            }
            if (multiplier == 1.0 || failures == 0) {
                return base;
            }
            double nanos = base.toNanos() * Math.pow(multiplier, failures);
            if (nanos >= max.toNanos() || Double.isInfinite(nanos)) {
                return base.compareTo(max) > 0 ? base : max;
            }
            return Duration.ofNanos((long) nanos);
        }

        synchronized void failed() {
            if (failures < 1000) {
                failures++;
            }
        }

        synchronized void connected() {
            connectedAt = System.nanoTime();
        }

        synchronized void disconnected() {
            if (System.nanoTime() - connectedAt >= resetAfterNanos) {
                failures = 0;
            } else {
                failed();
            }
        }

        synchronized int failures() {
            return failures;
        }
    }
}
