package dev.persistentconnection.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.persistentconnection.AddressSupplier;
import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.Connector;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A persistent connection whose outside world the test plays by hand: it runs on a {@link VirtualTimeSource} with a
 * fixed retry delay of {@link #DELAY} and no randomization; every address lookup and every connect is a stage the
 * test completes ({@link #address}, {@link #connectSucceeds}, {@link #connectFails}...), the event handler can be
 * held for chosen kinds of events ({@link #hold}, {@link #releaseHandler}), and every event is recorded in its text
 * form. Every step the engine takes runs on the test's thread, inside the call that made it possible, so a test
 * reads like the event log it expects:
 *
 * <pre>{@code
 * ConnectionScenario s = new ConnectionScenario().start();
 * s.addressFails("no replica");
 * s.advance(ConnectionScenario.DELAY);
 * s.connectTo("replica-2");
 * s.assertEvents("Attempting_to_connect", "(Failed_to_connect no replica)", "(Obtained_address replica-2)",
 *         "(Connected <opaque>)");
 * }</pre>
 *
 * <p>Not thread-safe: drive it from the test's thread.
 */
public final class ConnectionScenario {
    /** The retry delay of every attempt. */
    public static final Duration DELAY = Duration.ofSeconds(10);

    private final VirtualTimeSource time;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<ConnectionEvent<String, FakeConnection>> rawEvents = new CopyOnWriteArrayList<>();
    private final Deque<CompletableFuture<String>> addressLookups = new ArrayDeque<>();
    private final Deque<CompletableFuture<FakeConnection>> connects = new ArrayDeque<>();
    private final List<String> connectAddresses = new ArrayList<>();
    private final List<FakeConnection> connections = new ArrayList<>();
    private final Deque<CompletableFuture<Void>> heldHandlers = new ArrayDeque<>();
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final AtomicInteger retryDelayCalls = new AtomicInteger();
    private final AtomicInteger addressCalls = new AtomicInteger();
    private final List<Class<?>> held = new ArrayList<>();
    private volatile ConnectContext context;
    private PersistentConnection<String, FakeConnection> connection;
    private AddressSupplier<String> addressSupplier = () -> {
        addressCalls.incrementAndGet();
        CompletableFuture<String> lookup = new CompletableFuture<>();
        addressLookups.add(lookup);
        return lookup;
    };
    private Connector<String, FakeConnection> connector = (address, ctx) -> {
        context = ctx;
        connectAddresses.add(address);
        CompletableFuture<FakeConnection> connect = new CompletableFuture<>();
        connects.add(connect);
        return connect;
    };

    /** A scenario on a new virtual clock. */
    public ConnectionScenario() {
        this(new VirtualTimeSource());
    }

    /** A scenario on {@code time}, for example the one {@link VirtualTimeExtension} gives the test. */
    public ConnectionScenario(VirtualTimeSource time) {
        this.time = Objects.requireNonNull(time, "time");
    }

    /**
     * Holds the event handler for these kinds of events (for example {@code ConnectionEvent.Connected.class}) until
     * the test calls {@link #releaseHandler()}; the engine waits meanwhile. Call before {@link #start()}.
     *
     * @return this scenario
     */
    public ConnectionScenario hold(Class<?>... kinds) {
        held.addAll(List.of(kinds));
        return this;
    }

    /**
     * Replaces the address supplier, which by default hands every lookup to the test ({@link #address}). Call
     * before {@link #start()}.
     *
     * @return this scenario
     */
    public ConnectionScenario addressSupplier(AddressSupplier<String> supplier) {
        this.addressSupplier = Objects.requireNonNull(supplier, "supplier");
        return this;
    }

    /**
     * Replaces the connector, which by default hands every connect to the test ({@link #connectSucceeds}). Call
     * before {@link #start()}.
     *
     * @return this scenario
     */
    public ConnectionScenario connector(Connector<String, FakeConnection> connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
        return this;
    }

    /** Builds and starts the persistent connection: {@code Attempting_to_connect} is recorded when this returns. */
    public ConnectionScenario start() {
        return start(builder -> {});
    }

    /** Like {@link #start()}, letting {@code customizer} change the builder's optional parts first. */
    public ConnectionScenario start(Consumer<PersistentConnection.Builder<String, FakeConnection>> customizer) {
        PersistentConnection.Builder<String, FakeConnection> builder = PersistentConnection.builder(
                        "test server", addressSupplier, connector, FakeConnection.lifecycle())
                .timeSource(time)
                .randomization(Randomization.nonRandom())
                .retryDelay(() -> {
                    retryDelayCalls.incrementAndGet();
                    return DELAY;
                })
                .uncaughtHandler(uncaught::add)
                .onEvent(this::handle);
        customizer.accept(builder);
        connection = builder.build();
        return this;
    }

    private CompletionStage<Void> handle(ConnectionEvent<String, FakeConnection> event) {
        events.add(event.toString());
        rawEvents.add(event);
        if (held.contains(event.getClass())) {
            CompletableFuture<Void> handler = new CompletableFuture<>();
            heldHandlers.add(handler);
            return handler;
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Completes the oldest pending address lookup with {@code address}. */
    public void address(String address) {
        pending(addressLookups, "address lookup").complete(address);
    }

    /** Fails the oldest pending address lookup with a {@code RuntimeException(message)}. */
    public void addressFails(String message) {
        pending(addressLookups, "address lookup").completeExceptionally(new RuntimeException(message));
    }

    /** Completes the oldest pending connect with a new connection, named {@code conn1}, {@code conn2}... */
    public FakeConnection connectSucceeds() {
        CompletableFuture<FakeConnection> connect = pending(connects, "connect");
        FakeConnection c = new FakeConnection("conn" + (connections.size() + 1));
        connections.add(c);
        connect.complete(c);
        return c;
    }

    /** Fails the oldest pending connect with a {@code RuntimeException(message)}. */
    public void connectFails(String message) {
        pending(connects, "connect").completeExceptionally(new RuntimeException(message));
    }

    /** A whole successful attempt: the address, then the connect. */
    public FakeConnection connectTo(String address) {
        address(address);
        return connectSucceeds();
    }

    /** Completes the oldest held event handler. */
    public void releaseHandler() {
        pending(heldHandlers, "held event handler").complete(null);
    }

    /** Moves the virtual clock; the timers that fire run the engine's steps before this returns. */
    public void advance(Duration duration) {
        time.advanceBy(duration);
    }

    /** Fails unless the recorded events are exactly {@code expected}, in text form. */
    public void assertEvents(String... expected) {
        assertEquals(List.of(expected), List.copyOf(events), "events");
    }

    /** The persistent connection, once {@link #start()} has built it. */
    public PersistentConnection<String, FakeConnection> connection() {
        if (connection == null) {
            throw new IllegalStateException("the scenario has not been started");
        }
        return connection;
    }

    /** The virtual clock. */
    public VirtualTimeSource time() {
        return time;
    }

    /** Every event so far, in text form ({@code "(Obtained_address a)"}); a live list. */
    public List<String> events() {
        return events;
    }

    /** Every event so far, as delivered; a live list. */
    public List<ConnectionEvent<String, FakeConnection>> rawEvents() {
        return rawEvents;
    }

    /** The connect context the connector was last called with (null before the first connect). */
    public ConnectContext context() {
        return context;
    }

    /** The connections made so far, oldest first; a live list. */
    public List<FakeConnection> connections() {
        return connections;
    }

    /** The addresses the connector was called with, in order; a live list. */
    public List<String> connectAddresses() {
        return connectAddresses;
    }

    /** The connects not completed yet, oldest first; a live queue. */
    public Deque<CompletableFuture<FakeConnection>> connects() {
        return connects;
    }

    /** The address lookups not completed yet, oldest first; a live queue. */
    public Deque<CompletableFuture<String>> addressLookups() {
        return addressLookups;
    }

    /** The held event handlers not released yet, oldest first; a live queue. */
    public Deque<CompletableFuture<Void>> heldHandlers() {
        return heldHandlers;
    }

    /** What reached the uncaught handler (throwing handlers and subscribers); a live list. */
    public List<Throwable> uncaught() {
        return uncaught;
    }

    /** How many times the engine asked for an address. */
    public int addressCalls() {
        return addressCalls.get();
    }

    /** How many times the engine asked for the retry delay (once per attempt). */
    public int retryDelayCalls() {
        return retryDelayCalls.get();
    }

    /**
     * The error a failed future holds, without its {@link CompletionException} wrapper (a cancelled future gives
     * its {@link CancellationException}).
     *
     * @throws AssertionError if the future has not failed
     */
    public static Throwable failure(CompletableFuture<?> future) {
        if (!future.isCompletedExceptionally()) {
            throw new AssertionError("expected a failed future, got " + future);
        }
        try {
            future.getNow(null);
        } catch (CompletionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        }
        throw new AssertionError("not failed: " + future);
    }

    private static <T> T pending(Deque<T> queue, String what) {
        T next = queue.poll();
        if (next == null) {
            throw new AssertionError("expected a pending " + what + ", there is none");
        }
        return next;
    }
}
