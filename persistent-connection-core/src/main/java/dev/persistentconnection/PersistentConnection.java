package dev.persistentconnection;

import dev.persistentconnection.ConnectionEvent.AttemptingToConnect;
import dev.persistentconnection.ConnectionEvent.Connected;
import dev.persistentconnection.ConnectionEvent.Disconnected;
import dev.persistentconnection.ConnectionEvent.FailedToConnect;
import dev.persistentconnection.ConnectionEvent.ObtainedAddress;
import dev.persistentconnection.ConnectionState.Phase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps a connection to a server alive: before every attempt it
 * asks for the address again, connects, reports every step as a {@link ConnectionEvent} and waits for the event
 * handler, retries failed attempts after a randomized delay, and reconnects when the connection closes, at once if
 * it lived longer than the delay. Callers get the connection through {@link #connected()}.
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
public final class PersistentConnection<A, C> implements AutoCloseable {

    /** The default retry delay (docs/SEMANTICS.md §6). */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(10);

    private static final System.Logger LOG = System.getLogger(PersistentConnection.class.getName());

    /** The events without data are values: one instance each serves every connection. */
    private static final AttemptingToConnect<?, ?> ATTEMPTING_TO_CONNECT = new AttemptingToConnect<>();
    private static final Disconnected<?, ?> DISCONNECTED = new Disconnected<>();

    /** What the default event handler returns: handled at once. Never handed to users. */
    private static final CompletableFuture<Void> HANDLED = CompletableFuture.completedFuture(null);

    // Configuration.
    private final String serverName;
    private final AddressSupplier<A> addressSupplier;
    private final Connector<A, C> connector;
    private final ConnectionLifecycle<C> lifecycle;
    private final ConnectionEventHandler<A, C> onEvent;
    private final Supplier<Duration> retryDelay;
    private final Randomization randomization;
    private final TimeSource timeSource;
    private final BiPredicate<A, A> addressEquality;
    private final BiPredicate<Throwable, Throwable> errorEquality;
    private final Consumer<Throwable> uncaughtHandler;
    private final ConnectContext context = new Context();

    // The mailbox: every step of the engine runs from here, one at a time.
    private final Queue<Runnable> steps = new ConcurrentLinkedQueue<>();
    private final Wakeup wakeup = Wakeup.create(Runnable::run, this::runSteps);
    private volatile Thread stepThread;
    private final Object closeLock = new Object();

    // The engine's state (docs/SEMANTICS.md §1). Written by steps only (but closeStarted and abort); volatile where
    // read outside.
    private volatile Slot<C> slot = Slot.empty();                              // the slot
    private volatile boolean closeStarted;                                    // a close has started
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private final AtomicReference<Throwable> abort = new AtomicReference<>(); // the first abort
    private volatile int consecutiveFailures;                                  // the connect context's counter
    private List<CompletableFuture<C>> slotWaiters = new ArrayList<>();       // connected() on an empty slot
    private List<CompletableFuture<C>> resultWaiters = new ArrayList<>();     // waiting for the next attempt's result
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>(); // subscribe()
    private ConnectionEvent<A, C> lastEvent;

    // Where the loop is, so that close() and abort can reach it.
    private RetryTimer retryTimer;          // the `ready` of the current attempt
    private Runnable waitingForRetry;       // set while waiting for the first of ready, close_started or abort
    private boolean closeWaitsForSlot;      // close() came while the slot was empty
    private C awaitingCloseOf;              // the loop waits for this connection's close_finished
    private boolean closeFinishesAfterDisconnected;
    private volatile ConnectionState state;

    private PersistentConnection(Builder<A, C> builder) {
        this.serverName = builder.serverName;
        this.addressSupplier = builder.addressSupplier;
        this.connector = builder.connector;
        this.lifecycle = builder.lifecycle;
        this.onEvent = builder.onEvent;
        this.retryDelay = builder.retryDelay;
        this.randomization = builder.randomization != null
                ? builder.randomization : Randomization.percent(0.3, new Random());
        this.timeSource = builder.timeSource;
        this.addressEquality = builder.addressEquality;
        this.errorEquality = builder.errorEquality;
        this.uncaughtHandler = builder.uncaughtHandler != null ? builder.uncaughtHandler : error -> LOG.log(
                System.Logger.Level.WARNING, "persistent connection to " + serverName + ": uncaught exception", error);
        this.state = new ConnectionState(serverName, Phase.CONNECTING, Optional.empty(), Optional.empty(), 0,
                timeSource.now());
    }

    /** Starts describing a persistent connection to {@code serverName}. */
    public static <A, C> Builder<A, C> builder(String serverName) {
        return new Builder<>(serverName);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The loop, in event order (docs/SEMANTICS.md §3 and §4).
    // ---------------------------------------------------------------------------------------------------------------

    /** One cycle: Attempting_to_connect, attempts until one succeeds, Connected, Disconnected. */
    private void startCycle() {
        setPhase(Phase.CONNECTING);
        @SuppressWarnings("unchecked")
        ConnectionEvent<A, C> attempting = (ConnectionEvent<A, C>) ATTEMPTING_TO_CONNECT;
        deliver(attempting, () -> new Attempts().next());
    }

    /** The attempts of one cycle (docs/SEMANTICS.md §4): its memories de-duplicate within the cycle only (§5). */
    private final class Attempts {
        private boolean hasPreviousAddress;
        private A previousAddress;
        private boolean hasPreviousError;
        private Throwable previousError;

        void next() {
            if (closeStarted) {
                terminate();
                return;
            }
            if (abort.get() != null) {
                terminateAborted();
                return;
            }
            setPhase(Phase.CONNECTING);
            RetryTimer ready = startRetryTimer();
            if (ready.error != null) {
                failed(ready.error, ready);
                return;
            }
            CompletionStage<A> address;
            try {
                address = Objects.requireNonNull(addressSupplier.get(), "the address supplier returned no stage");
            } catch (Throwable error) {
                failed(error, ready);
                return;
            }
            whenDone(address, (a, error) -> obtainedAddress(a, error, ready));
        }

        private void obtainedAddress(A address, Throwable error, RetryTimer ready) {
            if (error == null && address == null) {
                error = new NullPointerException("the address supplier completed with no address");
            }
            if (error != null) {
                failed(unwrap(error), ready);
                return;
            }
            boolean same = hasPreviousAddress && sameAddress(address, previousAddress);
            hasPreviousAddress = true;
            previousAddress = address;
            if (!address.equals(state.address().orElse(null))) {
                updateState(s -> new ConnectionState(serverName, s.phase(), Optional.of(address), s.lastError(),
                        s.consecutiveFailures(), s.since()));
            }
            if (same) {
                connect(address, ready);
            } else {
                deliver(new ObtainedAddress<>(address), handlerError -> {
                    if (handlerError != null) {
                        failed(handlerError, ready);
                    } else {
                        connect(address, ready);
                    }
                });
            }
        }

        private void connect(A address, RetryTimer ready) {
            CompletionStage<C> connection;
            try {
                connection = Objects.requireNonNull(connector.connect(address, context),
                        "the connector returned no stage");
            } catch (Throwable error) {
                failed(error, ready);
                return;
            }
            whenDone(connection, (c, error) -> connectResult(c, error, ready));
        }

        private void connectResult(C connection, Throwable error, RetryTimer ready) {
            if (error == null && connection == null) {
                error = new NullPointerException("the connector completed with no connection");
            }
            if (error != null) {
                failed(unwrap(error), ready);
            } else {
                succeeded(connection, ready);
            }
        }

        private void succeeded(C connection, RetryTimer ready) {
            completeResultWaiters(connection, null);
            if (abort.get() != null && !closeStarted) {
                closeConnection(connection); // no Connected: the abort came while connecting
                terminateAborted();
                return;
            }
            consecutiveFailures = 0;
            install(connection);
            deliver(new Connected<>(connection), () -> awaitDisconnection(connection, ready));
        }

        private void failed(Throwable error, RetryTimer ready) {
            if (error instanceof FatalConnectException && abort.compareAndSet(null, error)) {
                post(() -> aborted(error));
            }
            completeResultWaiters(null, error);
            consecutiveFailures++;
            updateState(s -> new ConnectionState(serverName, Phase.WAITING_TO_RETRY, s.address(),
                    Optional.of(error), consecutiveFailures, timeSource.now()));
            boolean same = hasPreviousError && sameError(error, previousError);
            hasPreviousError = true;
            previousError = error;
            Runnable retry = () -> awaitRetry(ready, this::next);
            if (same) {
                retry.run();
            } else {
                deliver(new FailedToConnect<>(error), retry);
            }
        }
    }

    private void awaitDisconnection(C connection, RetryTimer ready) {
        awaitingCloseOf = connection;
        whenDone(closeFinishedOf(connection), (ignored, error) -> disconnected(ready));
    }

    private void disconnected(RetryTimer ready) {
        awaitingCloseOf = null;
        slot = Slot.empty();
        setPhase(Phase.DISCONNECTED);
        @SuppressWarnings("unchecked")
        ConnectionEvent<A, C> disconnected = (ConnectionEvent<A, C>) DISCONNECTED;
        deliver(disconnected, () -> awaitRetry(ready, this::startCycle));
        if (closeFinishesAfterDisconnected) {
            closeFinishesAfterDisconnected = false;
            closeFinished.complete(null);
        }
    }

    /** Waits for the first of {@code ready}, close_started and abort; close wins over abort, abort over ready. */
    private void awaitRetry(RetryTimer ready, Runnable next) {
        if (closeStarted) {
            terminate();
        } else if (abort.get() != null) {
            terminateAborted();
        } else if (ready.fired) {
            next.run();
        } else {
            waitingForRetry = () -> awaitRetry(ready, next);
        }
    }

    private void wakeRetryWait() {
        Runnable waiting = waitingForRetry;
        waitingForRetry = null;
        if (waiting != null) {
            waiting.run();
        }
    }

    /** The retry delay and its timer: asked exactly once per attempt, at its start (docs/SEMANTICS.md §6). */
    private RetryTimer startRetryTimer() {
        RetryTimer timer = new RetryTimer();
        Duration delay;
        try {
            delay = Objects.requireNonNull(retryDelay.get(), "the retryDelay supplier returned null");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("the retryDelay supplier returned a negative delay: " + delay);
            }
        } catch (Throwable error) {
            timer.error = new IllegalStateException("retryDelay failed, retrying after the default "
                    + DEFAULT_RETRY_DELAY + ": " + error, error);
            delay = DEFAULT_RETRY_DELAY;
        }
        retryTimer = timer;
        timer.handle = timeSource.schedule(randomization.apply(delay), () -> post(() -> {
            timer.fired = true;
            timer.handle = null; // nothing left to cancel; the connected engine keeps no dead timer
            if (retryTimer == timer) {
                wakeRetryWait();
            }
        }));
        return timer;
    }

    /** Fills the slot with the connection; what the slot's waiters and a pending close() were waiting for. */
    private void install(C connection) {
        slot = new Slot.Live<>(connection);
        updateState(s -> new ConnectionState(serverName, Phase.CONNECTED, s.address(), Optional.empty(), 0,
                timeSource.now()));
        if (!slotWaiters.isEmpty()) {
            List<CompletableFuture<C>> waiters = slotWaiters;
            slotWaiters = new ArrayList<>();
            post(() -> waiters.forEach(waiter -> waiter.complete(connection)));
        }
        if (closeWaitsForSlot) {
            closeWaitsForSlot = false;
            closeLiveConnection(connection);
        }
    }

    /** The loop ends; the slot holds Close_started for good. */
    private void terminate() {
        if (retryTimer != null && retryTimer.handle != null) {
            retryTimer.handle.cancel();
        }
        retryTimer = null;
        waitingForRetry = null;
        slot = Slot.closed();
        slotWaiters.clear(); // connected() is never determined after termination
        Throwable aborted = abort.get();
        completeResultWaiters(null, aborted != null ? aborted : new PersistentConnectionClosedException());
        setPhase(Phase.CLOSED);
        if (closeWaitsForSlot) {
            closeWaitsForSlot = false;
            closeFinished.complete(null);
        }
    }

    /** Abort termination with no connection in the slot (docs/SEMANTICS.md §9). */
    private void terminateAborted() {
        closeStarted = true;
        closeFinished.complete(null);
        terminate();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // close and abort, as they reach the loop.
    // ---------------------------------------------------------------------------------------------------------------

    private void closeRequested() {
        setPhase(Phase.CLOSED);
        completeResultWaiters(null, new PersistentConnectionClosedException());
        Slot<C> current = slot;
        if (current instanceof Slot.Live<C> live) {
            closeLiveConnection(live.connection);
        } else if (current instanceof Slot.Closed) {
            closeFinished.complete(null);
        } else {
            closeWaitsForSlot = true;
        }
        wakeRetryWait();
    }

    private void closeLiveConnection(C connection) {
        closeConnection(connection).whenComplete((ignored, error) -> post(() -> {
            if (awaitingCloseOf == connection) {
                closeFinishesAfterDisconnected = true; // the loop's Disconnected comes first, as in the reference
            } else {
                closeFinished.complete(null);
            }
        }));
    }

    private void aborted(Throwable error) {
        completeResultWaiters(null, error);
        wakeRetryWait();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Public operations.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The current connection once there is one. While connected this returns the same
     * completed future, allocating nothing. A future taken before a close can still complete with a connection whose
     * attempt was in flight; after the engine has terminated, the future never completes.
     */
    public CompletableFuture<C> connected() {
        Slot<C> current = slot;
        if (current instanceof Slot.Live<C> live && !closeStarted && !isClosed(live.connection)) {
            return live.future;
        }
        CompletableFuture<C> waiter = new CompletableFuture<>();
        post(() -> {
            Slot<C> now = slot;
            if (now instanceof Slot.Live<C> live && !isClosed(live.connection)) {
                waiter.complete(live.connection);
            } else if (!(now instanceof Slot.Closed)) {
                slotWaiters.add(waiter); // an empty slot, or a closed connection the loop has not replaced yet
            }
        });
        return waiter;
    }

    /**
     * The current live connection, or the outcome of the next attempt:
     * its error, the abort error, or {@link PersistentConnectionClosedException} once closed.
     */
    public CompletableFuture<C> connectedOrFailedToConnect() {
        Slot<C> current = slot;
        if (current instanceof Slot.Live<C> live && !isClosed(live.connection)) {
            return live.future;
        }
        Throwable aborted = abort.get();
        if (aborted != null) {
            return CompletableFuture.failedFuture(aborted);
        }
        if (closeStarted) {
            return CompletableFuture.failedFuture(new PersistentConnectionClosedException());
        }
        CompletableFuture<C> waiter = new CompletableFuture<>();
        post(() -> {
            Slot<C> now = slot;
            Throwable abortError = abort.get();
            if (now instanceof Slot.Live<C> live && !isClosed(live.connection)) {
                waiter.complete(live.connection);
            } else if (abortError != null) {
                waiter.completeExceptionally(abortError);
            } else if (closeStarted) {
                waiter.completeExceptionally(new PersistentConnectionClosedException());
            } else {
                resultWaiters.add(waiter);
            }
        });
        return waiter;
    }

    /**
     * The connection in the slot: present from the moment an attempt succeeds
     * until the loop sees it closed, so it may already be closing. Allocates nothing.
     */
    public Optional<C> currentConnection() {
        return slot instanceof Slot.Live<C> live ? live.present : Optional.empty();
    }

    /** The name given to the builder, for logs and health. */
    public String serverName() {
        return serverName;
    }

    /**
     * The time source given to the builder: the clock of every {@link ConnectionState#since()} and of the retry
     * timers, so that observers (an event's timestamp, a state's age) read the same clock as the engine.
     */
    public TimeSource timeSource() {
        return timeSource;
    }

    /**
     * Stops reconnecting and closes the current connection, at once. The future completes once
     * the connection is closed and the attempt in flight, if any, has finished; it never fails.
     */
    public CompletableFuture<Void> closeAsync() {
        if (!closeStarted) {
            synchronized (closeLock) {
                if (!closeStarted) {
                    closeStarted = true;
                    post(this::closeRequested);
                }
            }
        }
        return closeFinished.copy();
    }

    /**
     * {@link #closeAsync()} and wait for it, for try-with-resources and container shutdown.
     *
     * @throws IllegalStateException if called from inside an event handler or a stage callback that the engine is
     *                               running, where waiting would deadlock; use {@link #closeAsync()} there
     */
    @Override
    public void close() {
        if (stepThread == Thread.currentThread()) {
            closeAsync();
            throw new IllegalStateException("close() would wait for the engine from inside its own step; "
                    + "use closeAsync() in event handlers and callbacks");
        }
        closeAsync().join();
    }

    /** True once {@link #closeAsync()} was called or an abort has terminated the loop. */
    public boolean isClosed() {
        return closeStarted;
    }

    /** Completes when the persistent connection is closed; does not start a close. */
    public CompletableFuture<Void> closeFinished() {
        return closeFinished.copy();
    }

    /**
     * Lets the current connection live but does not reconnect once it closes: an abort (docs/SEMANTICS.md §9), for
     * a client that wants to finish its work on this connection and then stop.
     */
    public void closeWhenCurrentConnectionIsClosed() {
        setAbort(new PersistentConnectionClosedException());
    }

    /**
     * Subscribes to the event bus: the listener gets the last event at once, then every
     * event as it happens, before the event handler. A listener that throws is isolated; its exception goes to the
     * uncaught handler. Closing the returned handle unsubscribes.
     */
    public AutoCloseable subscribe(Consumer<? super ConnectionEvent<A, C>> listener) {
        Subscriber subscriber = new Subscriber(Objects.requireNonNull(listener, "listener"));
        post(() -> {
            if (subscriber.active) {
                subscribers.add(subscriber);
                if (lastEvent != null) {
                    subscriber.accept(lastEvent);
                }
            }
        });
        return () -> {
            subscriber.active = false;
            subscribers.remove(subscriber);
        };
    }

    /** A snapshot of what the engine is doing, for health indicators, endpoints and metrics. */
    public ConnectionState state() {
        return state;
    }

    @Override
    public String toString() {
        return "PersistentConnection[" + serverName + ", " + state.phase() + "]";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Plumbing.
    // ---------------------------------------------------------------------------------------------------------------

    /** Delivers an event: subscribers first, then the handler, whose stage the engine waits for (SEMANTICS.md §2). */
    private void deliver(ConnectionEvent<A, C> event, Runnable next) {
        deliver(event, handlerError -> {
            if (handlerError != null) {
                uncaught(handlerError);
            }
            next.run();
        });
    }

    private void deliver(ConnectionEvent<A, C> event, Consumer<Throwable> next) {
        lastEvent = event;
        for (Subscriber subscriber : subscribers) {
            subscriber.accept(event);
        }
        CompletionStage<Void> handled;
        try {
            handled = onEvent.onEvent(event);
        } catch (Throwable error) {
            uncaught(error); // counts as handled (docs/SEMANTICS.md §2)
            next.accept(null);
            return;
        }
        if (handled == null) {
            next.accept(null);
        } else {
            whenDone(handled, (ignored, error) -> next.accept(error == null ? null : unwrap(error)));
        }
    }

    /**
     * Runs {@code next} with the stage's outcome: at once, inside the current step, when the stage is a completed
     * future (no queueing, no allocation), otherwise as a new step once it completes. Only for the loop's own
     * waits, where nothing else queued may have to run first.
     */
    private <T> void whenDone(CompletionStage<T> stage, java.util.function.BiConsumer<T, Throwable> next) {
        if (stage instanceof CompletableFuture<T> future && future.isDone()) {
            T value = null;
            Throwable error = null;
            try {
                value = future.getNow(null);
            } catch (CompletionException | java.util.concurrent.CancellationException failure) {
                error = failure;
            }
            next.accept(value, error);
        } else {
            stage.whenComplete((value, error) -> post(() -> next.accept(value, error)));
        }
    }

    private void post(Runnable step) {
        steps.add(step);
        wakeup.send();
    }

    private void runSteps() {
        Thread previous = stepThread;
        stepThread = Thread.currentThread();
        try {
            Runnable step;
            while ((step = steps.poll()) != null) {
                try {
                    step.run();
                } catch (Throwable error) {
                    uncaught(error);
                }
            }
        } finally {
            stepThread = previous;
        }
    }

    private void setAbort(Throwable error) {
        Objects.requireNonNull(error, "error");
        if (abort.compareAndSet(null, error)) {
            post(() -> aborted(error));
        }
    }

    private void completeResultWaiters(C connection, Throwable error) {
        if (resultWaiters.isEmpty()) {
            return;
        }
        List<CompletableFuture<C>> waiters = resultWaiters;
        resultWaiters = new ArrayList<>();
        post(() -> waiters.forEach(waiter -> {
            if (error == null) {
                waiter.complete(connection);
            } else {
                waiter.completeExceptionally(error);
            }
        }));
    }

    private void setPhase(Phase phase) {
        ConnectionState s = state;
        if (s.phase() != phase) {
            state = new ConnectionState(serverName, phase, s.address(), s.lastError(), s.consecutiveFailures(),
                    timeSource.now());
        }
    }

    private void updateState(java.util.function.UnaryOperator<ConnectionState> change) {
        state = change.apply(state);
    }

    private boolean sameAddress(A a, A b) {
        try {
            return addressEquality.test(a, b);
        } catch (Throwable error) {
            uncaught(error);
            return false;
        }
    }

    private boolean sameError(Throwable a, Throwable b) {
        try {
            return errorEquality.test(a, b);
        } catch (Throwable error) {
            uncaught(error);
            return false;
        }
    }

    private boolean isClosed(C connection) {
        try {
            return lifecycle.isClosed(connection);
        } catch (Throwable error) {
            uncaught(error);
            return true; // when in doubt, do not hand the connection out
        }
    }

    /** Starts closing unless the connection is closed already; whatever the lifecycle throws, it is closed. */
    private CompletionStage<Void> closeConnection(C connection) {
        if (isClosed(connection)) {
            return closeFinishedOf(connection);
        }
        try {
            CompletionStage<Void> closing = lifecycle.close(connection);
            if (closing != null) {
                return closing;
            }
            uncaught(new NullPointerException("ConnectionLifecycle.close returned no stage"));
        } catch (Throwable error) {
            uncaught(error);
        }
        return closeFinishedOf(connection);
    }

    private CompletionStage<Void> closeFinishedOf(C connection) {
        try {
            CompletionStage<Void> finished = lifecycle.closeFinished(connection);
            if (finished != null) {
                return finished;
            }
            uncaught(new NullPointerException("ConnectionLifecycle.closeFinished returned no stage"));
        } catch (Throwable error) {
            uncaught(error);
        }
        return CompletableFuture.completedFuture(null); // nothing to wait on: count it as closed
    }

    private void uncaught(Throwable error) {
        try {
            uncaughtHandler.accept(error);
        } catch (Throwable ignored) {
            // the last resort has failed; nothing is left to tell
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private final class Context implements ConnectContext {
        @Override
        public int consecutiveUnsuccessfulAttemptsSoFar() {
            return consecutiveFailures;
        }

        @Override
        public void abort(Throwable error) {
            setAbort(error);
        }

        @Override
        public String toString() {
            return "ConnectContext[" + serverName + "]";
        }
    }

    private final class Subscriber {
        private final Consumer<? super ConnectionEvent<A, C>> listener;
        private volatile boolean active = true;

        Subscriber(Consumer<? super ConnectionEvent<A, C>> listener) {
            this.listener = listener;
        }

        void accept(ConnectionEvent<A, C> event) {
            try {
                listener.accept(event);
            } catch (Throwable error) {
                uncaught(error);
            }
        }
    }

    /** The `ready` deferred of one attempt. */
    private static final class RetryTimer {
        boolean fired;
        TimeSource.Cancellable handle;
        Throwable error;
    }

    /** The slot (docs/SEMANTICS.md §1): empty, a connection, or closed for good. */
    private sealed interface Slot<C> {
        @SuppressWarnings("unchecked")
        static <C> Slot<C> empty() {
            return (Slot<C>) Empty.INSTANCE;
        }

        @SuppressWarnings("unchecked")
        static <C> Slot<C> closed() {
            return (Slot<C>) Closed.INSTANCE;
        }

        enum Empty implements Slot<Object> { INSTANCE }

        enum Closed implements Slot<Object> { INSTANCE }

        /** Holds the futures handed out while connected, so the hot paths allocate nothing. */
        final class Live<C> implements Slot<C> {
            final C connection;
            final CompletableFuture<C> future;
            final Optional<C> present;

            Live(C connection) {
                this.connection = connection;
                this.future = new ConnectedFuture<>(connection);
                this.present = Optional.of(connection);
            }
        }
    }

    /** A completed future shared by every caller while connected: it refuses to be overwritten. */
    private static final class ConnectedFuture<C> extends CompletableFuture<C> {
        ConnectedFuture(C connection) {
            super.complete(connection);
        }

        @Override
        public void obtrudeValue(C value) {
            throw new UnsupportedOperationException("the connected future is shared and cannot be overwritten");
        }

        @Override
        public void obtrudeException(Throwable ex) {
            throw new UnsupportedOperationException("the connected future is shared and cannot be overwritten");
        }
    }

    /**
     * Describes a persistent connection; {@link #build()} starts it. Every part but the address supplier, the
     * connector and the lifecycle has the reference's default.
     */
    public static final class Builder<A, C> {
        private final String serverName;
        private AddressSupplier<A> addressSupplier;
        private Connector<A, C> connector;
        private ConnectionLifecycle<C> lifecycle;
        private ConnectionEventHandler<A, C> onEvent = event -> HANDLED;
        private Supplier<Duration> retryDelay = () -> DEFAULT_RETRY_DELAY;
        private Randomization randomization;
        private TimeSource timeSource = TimeSource.system();
        private BiPredicate<A, A> addressEquality = Objects::equals;
        private BiPredicate<Throwable, Throwable> errorEquality = Builder::sameClassAndMessage;
        private Consumer<Throwable> uncaughtHandler;

        private Builder(String serverName) {
            this.serverName = serverName;
        }

        /** Where to connect, asked before every attempt. Required. */
        public Builder<A, C> addressSupplier(AddressSupplier<A> supplier) {
            this.addressSupplier = Objects.requireNonNull(supplier, "addressSupplier");
            return this;
        }

        /** Opens one connection. Required. */
        public Builder<A, C> connector(Connector<A, C> connector) {
            this.connector = Objects.requireNonNull(connector, "connector");
            return this;
        }

        /** How to close and watch a connection. Required. */
        public Builder<A, C> lifecycle(ConnectionLifecycle<C> lifecycle) {
            this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
            return this;
        }

        /** Gets every event; the engine waits for its stage. Default: done at once. */
        public Builder<A, C> onEvent(ConnectionEventHandler<A, C> handler) {
            this.onEvent = Objects.requireNonNull(handler, "onEvent");
            return this;
        }

        /**
         * The delay between the starts of two attempts, asked once per attempt. A
         * supplier that throws, or gives null or a negative delay, fails that attempt with a clear
         * {@link ConnectionEvent.FailedToConnect} and the engine retries after {@link #DEFAULT_RETRY_DELAY}.
         * Default: 10 s.
         */
        public Builder<A, C> retryDelay(Supplier<Duration> retryDelay) {
            this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
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
         * @throws IllegalStateException    if the address supplier, the connector or the lifecycle is missing
         */
        public PersistentConnection<A, C> build() {
            if (serverName == null || serverName.isBlank()) {
                throw new IllegalArgumentException("serverName must not be blank, was "
                        + (serverName == null ? "null" : "\"" + serverName + "\""));
            }
            requirePart(addressSupplier, "addressSupplier", "where to connect");
            requirePart(connector, "connector", "how to open a connection");
            requirePart(lifecycle, "lifecycle", "how to close and watch a connection");
            PersistentConnection<A, C> connection = new PersistentConnection<>(this);
            connection.post(connection::startCycle);
            return connection;
        }

        private void requirePart(Object part, String name, String what) {
            if (part == null) {
                throw new IllegalStateException("persistent connection to " + serverName + ": " + name
                        + " is required (" + what + "); call builder." + name + "(...)");
            }
        }

        private static boolean sameClassAndMessage(Throwable a, Throwable b) {
            return a.getClass() == b.getClass() && Objects.equals(a.getMessage(), b.getMessage());
        }
    }
}
