package dev.persistentconnection;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps a connection to a server alive: before every attempt it asks for the address again, connects, reports every
 * step as a {@link ConnectionEvent} and waits for the event handler, retries failed attempts after a randomized
 * delay, and reconnects when the connection closes, at once if it lived longer than the delay. Callers get the
 * connection through {@link #connected()}.
 *
 * <p>This interface is the whole contract; the loop that implements it is package-private. Start one with
 * {@link #builder(String, AddressSupplier, Connector, ConnectionLifecycle)}:
 *
 * <pre>{@code
 * PersistentConnection<String, Session> connection = PersistentConnection
 *         .builder("quotes", AddressSuppliers.fixed("replica-1:7000"), (address, context) -> Session.open(address),
 *                 ConnectionLifecycle.of(Session::close, Session::isClosed, Session::closeFinished))
 *         .retryDelay(Duration.ofSeconds(2))
 *         .build();
 * }</pre>
 *
 * <p>The engine owns no thread and never blocks one. Its steps run in a mailbox: the thread that completes a stage
 * the engine waits on, advances a {@link VirtualTimeSource} or calls a method runs the steps this made possible,
 * unless another thread is running them already, which then also runs these. Steps never run concurrently.
 *
 * <p>docs/SEMANTICS.md specifies the behaviour. Where the reference leaves a case open (§11), this port decides:
 * {@code close()} wins over an abort when both happen during a connect that succeeds; {@code close()} closes a live
 * connection synchronously; a stage returned by the event handler that fails is routed to the uncaught handler
 * instead of stalling the engine.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
public sealed interface PersistentConnection<A, C> extends AutoCloseable permits ConnectionLoop {

    /** The default retry delay (docs/SEMANTICS.md §6). */
    Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(10);

    /**
     * Starts describing a persistent connection to {@code serverName} from its three required parts, so that the
     * type parameters are inferred from them and a missing part does not compile. Every other part has the
     * reference's default.
     *
     * @param serverName      for logs, health and errors; must not be blank
     * @param addressSupplier where to connect, asked before every attempt
     * @param connector       opens one connection
     * @param lifecycle       how to close and watch a connection
     */
    static <A, C> Builder<A, C> builder(
            String serverName,
            AddressSupplier<A> addressSupplier,
            Connector<A, C> connector,
            ConnectionLifecycle<C> lifecycle) {
        return new Builder<>(serverName, addressSupplier, connector, lifecycle);
    }

    /**
     * The current connection once there is one. While connected this returns the same
     * completed future, allocating nothing. A future taken before a close can still complete with a connection whose
     * attempt was in flight; after the engine has terminated, the future never completes.
     */
    CompletableFuture<C> connected();

    /**
     * The current connection, or at the deadline a {@link NotConnectedException} that says why there is none: the
     * phase, the last error as its cause, the failed attempts in a row, when the last attempt started and when the
     * next one is due. Once {@code close()} was called or an abort has ended the loop, it fails at once, since no
     * connection will come. The deadline runs on the connection's {@link TimeSource}; {@link Duration#ZERO} asks
     * "connected now, or why not?".
     * While connected this returns the same completed future as {@link #connected()}, allocating nothing.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    CompletableFuture<C> connectedWithin(Duration timeout);

    /**
     * The current live connection, or the outcome of the next attempt: its error, the abort error, or {@link PersistentConnectionClosedException} once closed.
     */
    CompletableFuture<C> connectedOrFailedToConnect();

    /**
     * The connection in the slot: present from the moment an attempt succeeds
     * until the loop sees it closed, so it may already be closing. Allocates nothing.
     */
    Optional<C> currentConnection();

    /** The name given to the builder, for logs and health. */
    String serverName();

    /**
     * The time source given to the builder: the clock of every {@link ConnectionState#since()} and of the retry
     * timers, so that observers (an event's timestamp, a state's age) read the same clock as the engine.
     */
    TimeSource timeSource();

    /**
     * Stops reconnecting and closes the current connection, at once. The future completes once
     * the connection is closed and the attempt in flight, if any, has finished; it never fails.
     */
    CompletableFuture<Void> closeAsync();

    /**
     * {@link #closeAsync()} and wait for it, for try-with-resources and container shutdown.
     *
     * @throws IllegalStateException if called from inside an event handler or a stage callback that the engine is
     *                               running, where waiting would deadlock; use {@link #closeAsync()} there
     */
    @Override
    void close();

    /** True once {@link #closeAsync()} was called or an abort has terminated the loop. */
    boolean isClosed();

    /** Completes when the persistent connection is closed; does not start a close. */
    CompletableFuture<Void> closeFinished();

    /**
     * Lets the current connection live but does not reconnect once it closes: an abort (docs/SEMANTICS.md §9), for
     * a client that wants to finish its work on this connection and then stop.
     */
    void closeWhenCurrentConnectionIsClosed();

    /**
     * Subscribes to the event bus: the listener gets the last event at once, then every
     * event as it happens, before the event handler. A listener that throws is isolated; its exception goes to the
     * uncaught handler. Closing the returned handle unsubscribes.
     */
    AutoCloseable subscribe(Consumer<? super ConnectionEvent<A, C>> listener);

    /**
     * Skips the rest of the current retry wait: the next attempt starts at once, after a failed attempt or after a
     * disconnection, as if the retry timer had fired now; during the event handler of that failure or disconnection,
     * the attempt starts as soon as the handler is done. Does nothing while connecting or connected, once closed or
     * aborted, or when the attempt is due already, so there are never two attempts at once. For the operator who
     * knows the server is back.
     */
    void retryNow();

    /**
     * A snapshot of what the engine is doing, taken now: for health indicators, endpoints, metrics and error
     * messages. It says when the next attempt is due and how long the current outage has lasted.
     */
    ConnectionState state();

    /**
     * Describes a persistent connection; {@link #build()} starts it. The address supplier, the connector and the
     * lifecycle are given to {@link PersistentConnection#builder(String, AddressSupplier, Connector,
     * ConnectionLifecycle)}; every other part has the reference's default.
     */
    final class Builder<A, C> {
        /** What the default event handler returns: handled at once. Never handed to users. */
        static final CompletableFuture<Void> HANDLED = CompletableFuture.completedFuture(null);

        final String serverName;
        final AddressSupplier<A> addressSupplier;
        final Connector<A, C> connector;
        final ConnectionLifecycle<C> lifecycle;
        ConnectionEventHandler<A, C> onEvent = event -> HANDLED;
        Supplier<Duration> retryDelay = () -> DEFAULT_RETRY_DELAY;
        Backoff backoff;
        Duration reconnectJitter = Duration.ZERO;
        Random reconnectRandom;
        Randomization randomization;
        TimeSource timeSource = TimeSource.system();
        BiPredicate<A, A> addressEquality = Objects::equals;
        BiPredicate<Throwable, Throwable> errorEquality = Builder::sameClassAndMessage;
        Consumer<Throwable> uncaughtHandler;

        private Builder(
                String serverName,
                AddressSupplier<A> addressSupplier,
                Connector<A, C> connector,
                ConnectionLifecycle<C> lifecycle) {
            this.serverName = serverName;
            this.addressSupplier = Objects.requireNonNull(addressSupplier, "addressSupplier");
            this.connector = Objects.requireNonNull(connector, "connector");
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        }

        /** Gets every event; the engine waits for its stage. Default: done at once. */
        public Builder<A, C> onEvent(ConnectionEventHandler<A, C> handler) {
            this.onEvent = Objects.requireNonNull(handler, "onEvent");
            return this;
        }

        /**
         * The delay between the starts of two attempts, asked once per attempt (docs/SEMANTICS.md §6). A supplier that throws, or gives null or a negative delay, fails that attempt with a clear
         * {@link ConnectionEvent.FailedToConnect} and the engine retries after {@link #DEFAULT_RETRY_DELAY}.
         * Default: 10 s.
         */
        public Builder<A, C> retryDelay(Supplier<Duration> retryDelay) {
            this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
            this.backoff = null;
            return this;
        }

        /**
         * The retry delay from a {@link Backoff}, given the failed attempts in a row before each attempt (reset by a
         * successful one): {@link Backoff#exponential} or {@link Backoff#decorrelatedJitter}. Replaces
         * {@link #retryDelay(Supplier)}, and the other way round: the last one given wins.
         */
        public Builder<A, C> backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /**
         * Spreads out the reconnects after a disconnection (not in the reference). When a connection that lived
         * longer than the retry delay closes, the reference reconnects at once, so every client of a restarted
         * server comes back in the same instant; with a window, that reconnect waits a random time, uniform in
         * {@code [0, window]}. A connection that closes sooner waits out the retry delay as before. Default:
         * {@link Duration#ZERO}, the reference's behaviour.
         *
         * @throws IllegalArgumentException if the window is negative
         */
        public Builder<A, C> reconnectJitter(Duration window) {
            return reconnectJitter(window, new Random());
        }

        /** {@link #reconnectJitter(Duration)} with the given source of randomness, for reproducible runs. */
        public Builder<A, C> reconnectJitter(Duration window, Random random) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative()) {
                throw new IllegalArgumentException("reconnectJitter must not be negative, was " + window);
            }
            this.reconnectJitter = window;
            this.reconnectRandom = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * A fixed delay between the starts of two attempts.
         *
         * @throws IllegalArgumentException if the delay is negative
         */
        public Builder<A, C> retryDelay(Duration retryDelay) {
            Objects.requireNonNull(retryDelay, "retryDelay");
            if (retryDelay.isNegative()) {
                throw new IllegalArgumentException("retryDelay must not be negative, was " + retryDelay);
            }
            return retryDelay(() -> retryDelay);
        }

        /** How each delay is randomized. Default: ±30 % with a new {@link Random}. */
        public Builder<A, C> randomization(Randomization randomization) {
            this.randomization = Objects.requireNonNull(randomization, "randomization");
            return this;
        }

        /** Clock and timers. Default: {@link TimeSource#system()}. */
        public Builder<A, C> timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /** When two addresses are the same, to report an address once per cycle (docs/SEMANTICS.md §5). */
        public Builder<A, C> addressEquality(BiPredicate<A, A> equal) {
            this.addressEquality = Objects.requireNonNull(equal, "addressEquality");
            return this;
        }

        /**
         * When two errors are the same, to report a repeated failure once (docs/SEMANTICS.md §5).
         * Default: same class and same message.
         */
        public Builder<A, C> errorEquality(BiPredicate<Throwable, Throwable> equal) {
            this.errorEquality = Objects.requireNonNull(equal, "errorEquality");
            return this;
        }

        /**
         * Where exceptions go that nobody else can take: a throwing event handler or bus subscriber. Default: logged
         * through {@link System.Logger} at WARNING.
         */
        public Builder<A, C> uncaughtHandler(Consumer<Throwable> handler) {
            this.uncaughtHandler = Objects.requireNonNull(handler, "uncaughtHandler");
            return this;
        }

        /**
         * Checks the description and starts the persistent connection: {@code AttemptingToConnect} is delivered
         * before this returns.
         *
         * @throws IllegalArgumentException if the server name is null or blank
         */
        public PersistentConnection<A, C> build() {
            if (serverName == null || serverName.isBlank()) {
                throw new IllegalArgumentException("serverName must not be blank, was "
                        + (serverName == null ? "null" : "\"" + serverName + "\""));
            }
            return ConnectionLoop.start(this);
        }

        private static boolean sameClassAndMessage(Throwable a, Throwable b) {
            return a.getClass() == b.getClass() && Objects.equals(a.getMessage(), b.getMessage());
        }
    }
}
