package dev.persistentconnection;

import dev.persistentconnection.ConnectionEvent.AttemptingToConnect;
import dev.persistentconnection.ConnectionEvent.Connected;
import dev.persistentconnection.ConnectionEvent.Disconnected;
import dev.persistentconnection.ConnectionEvent.FailedToConnect;
import dev.persistentconnection.ConnectionEvent.ObtainedAddress;
import dev.persistentconnection.ConnectionState.Phase;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
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
 * The loop behind {@link PersistentConnection}: a handful of state fields, the cycle in event order
 * (docs/SEMANTICS.md §3 and §4), then how {@code close()} and an abort reach the loop (§8, §9), then the public
 * operations and the plumbing.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
final class ConnectionLoop<A, C> implements PersistentConnection<A, C> {

    private static final System.Logger LOG = System.getLogger(PersistentConnection.class.getName());

    /** The events without data are values: one instance each serves every connection. */
    private static final AttemptingToConnect<?, ?> ATTEMPTING_TO_CONNECT = new AttemptingToConnect<>();

    private static final Disconnected<?, ?> DISCONNECTED = new Disconnected<>();

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
    private final Duration reconnectJitter;
    private final Random reconnectRandom;
    private final ConnectContext context = new Context();

    // The mailbox: every step of the engine runs from here, one at a time.
    private final Queue<Runnable> steps = new ConcurrentLinkedQueue<>();
    private final Wakeup wakeup = Wakeup.create(Runnable::run, this::runSteps);
    private volatile Thread stepThread;
    private final Object closeLock = new Object();

    // The engine's state (docs/SEMANTICS.md §1). Written by steps only (but closeStarted and abort); volatile where
    // read outside.
    private volatile Slot<C> slot = Slot.empty(); // the slot
    private volatile boolean closeStarted; // a close has started
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private final AtomicReference<Throwable> abort = new AtomicReference<>(); // the first abort
    private volatile int consecutiveFailures; // the connect context's counter
    private List<CompletableFuture<C>> slotWaiters = new ArrayList<>(); // connected() on an empty slot
    private List<CompletableFuture<C>> resultWaiters = new ArrayList<>(); // waiting for the next attempt's result
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>(); // subscribe()
    private ConnectionEvent<A, C> lastEvent;
    private Wait<C> wait = Wait.Busy.idle(); // where the loop is
    private volatile ConnectionState state;

    private ConnectionLoop(PersistentConnection.Builder<A, C> builder) {
        this.serverName = builder.serverName;
        this.addressSupplier = builder.addressSupplier;
        this.connector = builder.connector;
        this.lifecycle = builder.lifecycle;
        this.onEvent = builder.onEvent;
        Backoff backoff = builder.backoff;
        this.retryDelay = backoff != null ? () -> backoff.delay(consecutiveFailures) : builder.retryDelay;
        this.reconnectJitter = builder.reconnectJitter;
        this.reconnectRandom = builder.reconnectRandom;
        this.randomization =
                builder.randomization != null ? builder.randomization : Randomization.percent(0.3, new Random());
        this.timeSource = builder.timeSource;
        this.addressEquality = builder.addressEquality;
        this.errorEquality = builder.errorEquality;
        this.uncaughtHandler = builder.uncaughtHandler != null
                ? builder.uncaughtHandler
                : error -> LOG.log(
                        System.Logger.Level.WARNING,
                        "persistent connection to " + serverName + ": uncaught exception",
                        error);
        Instant now = timeSource.now();
        this.state = new ConnectionState(
                serverName,
                Phase.CONNECTING,
                Optional.empty(),
                Optional.empty(),
                0,
                now,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                now);
    }

    /** Creates the loop; its first cycle starts before this returns. */
    static <A, C> ConnectionLoop<A, C> start(PersistentConnection.Builder<A, C> builder) {
        ConnectionLoop<A, C> loop = new ConnectionLoop<>(builder);
        loop.post(loop::startCycle);
        return loop;
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
            ConnectionState s = state;
            Instant now = timeSource.now();
            setState(
                    Phase.CONNECTING,
                    s.lastError(),
                    s.consecutiveFailures(),
                    Optional.of(now),
                    Optional.empty(),
                    s.outageSince(),
                    now);
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
                ConnectionState s = state;
                state = new ConnectionState(
                        serverName,
                        s.phase(),
                        Optional.of(address),
                        s.lastError(),
                        s.consecutiveFailures(),
                        s.since(),
                        s.lastAttemptAt(),
                        s.nextAttemptAt(),
                        s.outageSince(),
                        s.at());
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
                connection =
                        Objects.requireNonNull(connector.connect(address, context), "the connector returned no stage");
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
            ConnectionState s = state;
            Instant now = timeSource.now();
            setState(
                    Phase.WAITING_TO_RETRY,
                    Optional.of(error),
                    consecutiveFailures,
                    s.lastAttemptAt(),
                    Optional.of(ready.dueAt(now)),
                    Optional.of(s.outageSince().orElse(now)),
                    now);
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
        wait = new Wait.Disconnection<>(connection, ready, false);
        whenDone(closeFinishedOf(connection), (ignored, error) -> disconnected(ready));
    }

    private void disconnected(RetryTimer ready) {
        boolean closeDone = wait instanceof Wait.Disconnection<C> d && d.closeDone();
        wait = new Wait.Busy<>(ready, false);
        slot = Slot.empty();
        ConnectionState s = state;
        Instant now = timeSource.now();
        setState(
                Phase.DISCONNECTED,
                s.lastError(),
                s.consecutiveFailures(),
                s.lastAttemptAt(),
                Optional.of(ready.dueAt(now)),
                Optional.of(now),
                now);
        @SuppressWarnings("unchecked")
        ConnectionEvent<A, C> disconnected = (ConnectionEvent<A, C>) DISCONNECTED;
        deliver(disconnected, () -> awaitRetry(reconnectTimer(ready), this::startCycle));
        if (closeDone) {
            closeFinished.complete(null); // after Disconnected, as in the reference
        }
    }

    /** Waits for the first of {@code ready}, a close and an abort; close wins over abort, abort over ready (§6). */
    private void awaitRetry(RetryTimer ready, Runnable next) {
        if (closeStarted) {
            terminate();
        } else if (abort.get() != null) {
            terminateAborted();
        } else if (ready.fired) {
            next.run();
        } else {
            wait = new Wait.Retry<>(ready, next);
        }
    }

    /** Close, an abort or the timer came: a loop waiting for the retry looks at all three again. */
    private void wakeRetryWait() {
        if (wait instanceof Wait.Retry<C> retry) {
            wait = new Wait.Busy<>(retry.ready(), false);
            awaitRetry(retry.ready(), retry.next());
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
            timer.error = new IllegalStateException(
                    "retryDelay failed, retrying after the default " + DEFAULT_RETRY_DELAY + ": " + error, error);
            delay = DEFAULT_RETRY_DELAY;
        }
        wait = new Wait.Busy<>(timer, wait instanceof Wait.Busy<C> busy && busy.closeWaitsForSlot());
        schedule(timer, randomization.apply(delay));
        return timer;
    }

    /**
     * The wait before the next cycle after a disconnection: the successful attempt's own timer, or, when that has
     * fired already (the reference would reconnect at once) and a reconnect jitter window is set, a random part of
     * the window, so that the clients of a restarted server do not all come back in the same instant.
     */
    private RetryTimer reconnectTimer(RetryTimer ready) {
        if (reconnectJitter.isZero() || !ready.fired || ready.firedByRetryNow || closeStarted || abort.get() != null) {
            return ready;
        }
        double fraction;
        synchronized (reconnectRandom) {
            fraction = reconnectRandom.nextDouble();
        }
        RetryTimer jitter = new RetryTimer();
        wait = new Wait.Busy<>(jitter, false);
        schedule(jitter, Duration.ofNanos(Math.round(fraction * saturatedNanos(reconnectJitter))));
        ConnectionState s = state;
        setState(
                s.phase(),
                s.lastError(),
                s.consecutiveFailures(),
                s.lastAttemptAt(),
                Optional.of(jitter.dueAt),
                s.outageSince(),
                timeSource.now());
        return jitter;
    }

    private void schedule(RetryTimer timer, Duration delay) {
        timer.dueAt = plusSaturated(timeSource.now(), delay);
        timer.handle = timeSource.schedule(
                delay,
                () -> post(() -> {
                    if (!timer.fired) {
                        fire(timer);
                    }
                }));
    }

    /** The timer fires, on time or early for retryNow(); a loop that waits for it goes on. */
    private void fire(RetryTimer timer) {
        timer.fired = true;
        TimeSource.Cancellable handle = timer.handle;
        timer.handle = null; // nothing left to cancel; the connected engine keeps no dead timer
        if (handle != null) {
            handle.cancel();
        }
        if (wait instanceof Wait.Retry<C> retry && retry.ready() == timer) {
            wakeRetryWait();
        }
    }

    /** Fills the slot with the connection; what the slot's waiters and a pending close() were waiting for. */
    private void install(C connection) {
        slot = new Slot.Live<>(connection);
        Instant now = timeSource.now();
        setState(Phase.CONNECTED, Optional.empty(), 0, state.lastAttemptAt(), Optional.empty(), Optional.empty(), now);
        if (!slotWaiters.isEmpty()) {
            List<CompletableFuture<C>> waiters = slotWaiters;
            slotWaiters = new ArrayList<>();
            post(() -> waiters.forEach(waiter -> waiter.complete(connection)));
        }
        if (wait instanceof Wait.Busy<C> busy && busy.closeWaitsForSlot()) {
            wait = new Wait.Busy<>(busy.ready(), false);
            closeLiveConnection(connection);
        }
    }

    /** The loop ends; the slot is closed for good. */
    private void terminate() {
        Wait<C> was = wait;
        RetryTimer ready = was.ready();
        if (ready != null && ready.handle != null) {
            ready.handle.cancel();
        }
        wait = Wait.Ended.instance();
        slot = Slot.closed();
        List<CompletableFuture<C>> waiting = slotWaiters;
        slotWaiters = new ArrayList<>(); // connected() is never determined after termination
        Throwable aborted = abort.get();
        completeResultWaiters(null, aborted != null ? aborted : new PersistentConnectionClosedException());
        setPhase(Phase.CLOSED);
        failDeadlineWaiters(waiting); // connectedWithin(...) is: no connection will come
        if (was instanceof Wait.Busy<C> busy && busy.closeWaitsForSlot()) {
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
        failDeadlineWaiters(slotWaiters);
        completeResultWaiters(null, new PersistentConnectionClosedException());
        Slot<C> current = slot;
        if (current instanceof Slot.Live<C> live) {
            closeLiveConnection(live.connection);
        } else if (current instanceof Slot.Closed) {
            closeFinished.complete(null);
        } else if (wait instanceof Wait.Retry<C> retry) {
            wait = new Wait.Busy<>(retry.ready(), true); // the loop ends now, and with it close()
            awaitRetry(retry.ready(), retry.next());
        } else {
            wait = new Wait.Busy<>(wait.ready(), true);
        }
    }

    private void closeLiveConnection(C connection) {
        closeConnection(connection)
                .whenComplete((ignored, error) -> post(() -> {
                    if (wait instanceof Wait.Disconnection<C> d && d.connection() == connection) {
                        wait = new Wait.Disconnection<>(
                                connection, d.ready(), true); // the loop's Disconnected comes first
                    } else {
                        closeFinished.complete(null);
                    }
                }));
    }

    private void aborted(Throwable error) {
        completeResultWaiters(null, error);
        wakeRetryWait();
    }

    private void failDeadlineWaiters(List<CompletableFuture<C>> waiters) {
        for (CompletableFuture<C> waiter : waiters) {
            if (waiter instanceof DeadlineWaiter<C> deadline) {
                post(() -> expire(deadline));
            }
        }
    }

    /** retryNow(), as it reaches the loop: the wait after a failure or a disconnection ends now. */
    private void retryRequested() {
        Phase phase = state.phase();
        if ((phase != Phase.WAITING_TO_RETRY && phase != Phase.DISCONNECTED) || closeStarted || abort.get() != null) {
            return; // connecting, connected, or ending: nothing to skip
        }
        RetryTimer ready = wait.ready();
        if (ready == null || ready.fired) {
            return; // due already
        }
        ConnectionState s = state;
        Instant now = timeSource.now();
        setState(
                s.phase(),
                s.lastError(),
                s.consecutiveFailures(),
                s.lastAttemptAt(),
                Optional.of(now),
                s.outageSince(),
                now);
        ready.firedByRetryNow = true;
        fire(ready);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Public operations.
    // ---------------------------------------------------------------------------------------------------------------

    @Override
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

    @Override
    public CompletableFuture<C> connectedWithin(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        Slot<C> current = slot;
        if (current instanceof Slot.Live<C> live && !closeStarted && !isClosed(live.connection)) {
            return live.future;
        }
        DeadlineWaiter<C> waiter = new DeadlineWaiter<>(timeout);
        post(() -> {
            Slot<C> now = slot;
            if (now instanceof Slot.Live<C> live && !closeStarted && !isClosed(live.connection)) {
                waiter.complete(live.connection);
            } else if (closeStarted || now instanceof Slot.Closed) {
                expire(waiter);
            } else {
                slotWaiters.add(waiter);
                waiter.timer = timeSource.schedule(timeout, () -> post(() -> expire(waiter)));
            }
        });
        return waiter;
    }

    /** In a step: the deadline has come, or no connection ever will. */
    private void expire(DeadlineWaiter<C> waiter) {
        if (waiter.timer != null) {
            waiter.timer.cancel(); // when no connection ever will: the deadline need not stay
        }
        if (!waiter.isDone()) {
            slotWaiters.remove(waiter);
            waiter.completeExceptionally(new NotConnectedException(state(), waiter.timeout));
        }
    }

    @Override
    public void retryNow() {
        post(this::retryRequested);
    }

    @Override
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

    @Override
    public Optional<C> currentConnection() {
        return slot instanceof Slot.Live<C> live ? live.present : Optional.empty();
    }

    @Override
    public String serverName() {
        return serverName;
    }

    @Override
    public TimeSource timeSource() {
        return timeSource;
    }

    @Override
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

    @Override
    public void close() {
        if (stepThread == Thread.currentThread()) {
            closeAsync();
            throw new IllegalStateException("close() would wait for the engine from inside its own step; "
                    + "use closeAsync() in event handlers and callbacks");
        }
        closeAsync().join();
    }

    @Override
    public boolean isClosed() {
        return closeStarted;
    }

    @Override
    public CompletableFuture<Void> closeFinished() {
        return closeFinished.copy();
    }

    @Override
    public void closeWhenCurrentConnectionIsClosed() {
        setAbort(new PersistentConnectionClosedException());
    }

    @Override
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

    @Override
    public ConnectionState state() {
        return state.at(timeSource.now());
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
     * waits, where nothing else queued may have to run first. Only a plain {@code CompletableFuture} is asked: a
     * {@code minimalCompletionStage()} is a subclass whose {@code isDone()} throws.
     */
    @SuppressWarnings("unchecked") // the exact class is checked first
    private <T> void whenDone(CompletionStage<T> stage, java.util.function.BiConsumer<T, Throwable> next) {
        if (stage.getClass() == CompletableFuture.class && ((CompletableFuture<T>) stage).isDone()) {
            CompletableFuture<T> future = (CompletableFuture<T>) stage;
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

    /** A new phase: no attempt is waiting in it, and once closed there is no outage either. */
    private void setPhase(Phase phase) {
        ConnectionState s = state;
        if (s.phase() != phase) {
            Instant now = timeSource.now();
            setState(
                    phase,
                    s.lastError(),
                    s.consecutiveFailures(),
                    s.lastAttemptAt(),
                    Optional.empty(),
                    phase == Phase.CLOSED ? Optional.empty() : s.outageSince(),
                    now);
        }
    }

    /** Publishes the state; {@code since} moves when the phase changes. */
    private void setState(
            Phase phase,
            Optional<Throwable> lastError,
            int failures,
            Optional<Instant> lastAttemptAt,
            Optional<Instant> nextAttemptAt,
            Optional<Instant> outageSince,
            Instant now) {
        ConnectionState s = state;
        state = new ConnectionState(
                serverName,
                phase,
                s.address(),
                lastError,
                failures,
                s.phase() == phase ? s.since() : now,
                lastAttemptAt,
                nextAttemptAt,
                outageSince,
                now);
    }

    private static Instant plusSaturated(Instant instant, Duration delay) {
        try {
            return instant.plus(delay);
        } catch (DateTimeException | ArithmeticException tooLate) {
            return Instant.MAX;
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
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

    /** The retry timer of one attempt (or of a reconnect jitter wait). */
    private static final class RetryTimer {
        boolean fired;
        boolean firedByRetryNow;
        TimeSource.Cancellable handle;
        Throwable error;
        Instant dueAt;

        /** When the next attempt may start: when this fires, or now if it has. */
        Instant dueAt(Instant now) {
            return fired ? now : dueAt;
        }
    }

    /** A connectedWithin(...) caller: a slot waiter that fails with the reason at its deadline. */
    private static final class DeadlineWaiter<C> extends CompletableFuture<C> {
        private final Duration timeout;
        private TimeSource.Cancellable timer;

        DeadlineWaiter(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public boolean complete(C connection) {
            TimeSource.Cancellable deadline = timer;
            if (deadline != null) {
                deadline.cancel();
            }
            return super.complete(connection);
        }
    }

    /**
     * Where the loop waits, in one value, so that {@code close()}, an abort and the retry timer find it. Read and
     * written by steps only.
     */
    private sealed interface Wait<C> {
        /** The retry timer of the current attempt, or null before the first attempt of a cycle or once ended. */
        RetryTimer ready();

        /**
         * The loop runs an attempt or an event handler and waits for its own stage. With
         * {@code closeWaitsForSlot}, {@code close()} came while the slot was empty: a connection that still arrives
         * is closed at once, or else {@code close()} completes when the loop ends.
         */
        record Busy<C>(RetryTimer ready, boolean closeWaitsForSlot) implements Wait<C> {
            private static final Busy<?> IDLE = new Busy<>(null, false);

            @SuppressWarnings("unchecked")
            static <C> Busy<C> idle() {
                return (Busy<C>) IDLE;
            }
        }

        /** For the first of {@code ready}, a close and an abort, then {@code next} (docs/SEMANTICS.md §6). */
        record Retry<C>(RetryTimer ready, Runnable next) implements Wait<C> {}

        /**
         * For the connection to finish closing; with {@code closeDone}, the close that {@code close()} started has
         * finished, and {@code close()} completes right after the loop's {@code Disconnected}.
         */
        record Disconnection<C>(C connection, RetryTimer ready, boolean closeDone) implements Wait<C> {}

        /** The loop has terminated. */
        enum Ended implements Wait<Object> {
            INSTANCE;

            @SuppressWarnings("unchecked")
            static <C> Wait<C> instance() {
                return (Wait<C>) INSTANCE;
            }

            @Override
            public RetryTimer ready() {
                return null;
            }
        }
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

        enum Empty implements Slot<Object> {
            INSTANCE
        }

        enum Closed implements Slot<Object> {
            INSTANCE
        }

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
}
