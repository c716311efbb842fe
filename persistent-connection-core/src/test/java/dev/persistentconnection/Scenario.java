package dev.persistentconnection;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A persistent connection on a {@link VirtualTimeSource} whose address lookups, connects and (optionally) event
 * handlers are stages the test completes by hand, with every event recorded in its text form.
 */
final class Scenario {
    static final Duration DELAY = Duration.ofSeconds(10);

    final VirtualTimeSource time = new VirtualTimeSource();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<ConnectionEvent<String, FakeConnection>> rawEvents = new CopyOnWriteArrayList<>();
    final Deque<CompletableFuture<String>> addressLookups = new ArrayDeque<>();
    final Deque<CompletableFuture<FakeConnection>> connects = new ArrayDeque<>();
    final List<String> connectAddresses = new ArrayList<>();
    final List<FakeConnection> connections = new ArrayList<>();
    final Deque<CompletableFuture<Void>> heldHandlers = new ArrayDeque<>();
    final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    final AtomicInteger retryDelayCalls = new AtomicInteger();
    final AtomicInteger addressCalls = new AtomicInteger();
    ConnectContext context;
    /** Events whose handler the test completes by hand; the others complete at once. */
    final List<Class<?>> held = new ArrayList<>();
    PersistentConnection<String, FakeConnection> connection;

    Scenario hold(Class<?>... kinds) {
        held.addAll(List.of(kinds));
        return this;
    }

    Scenario start() {
        return start(builder -> { });
    }

    /** The default hands every lookup to the test ({@link #address}); a test may replace it before start(). */
    AddressSupplier<String> addressSupplier = () -> {
        addressCalls.incrementAndGet();
        CompletableFuture<String> lookup = new CompletableFuture<>();
        addressLookups.add(lookup);
        return lookup;
    };

    /** The default hands every connect to the test ({@link #connectSucceeds}); a test may replace it. */
    Connector<String, FakeConnection> connector = (address, ctx) -> {
        context = ctx;
        connectAddresses.add(address);
        CompletableFuture<FakeConnection> connect = new CompletableFuture<>();
        connects.add(connect);
        return connect;
    };

    Scenario start(Consumer<PersistentConnection.Builder<String, FakeConnection>> customizer) {
        PersistentConnection.Builder<String, FakeConnection> builder = PersistentConnection
                .builder("test server", addressSupplier, connector, new FakeConnection.Lifecycle())
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

    /** Completes the oldest pending address lookup. */
    void address(String address) {
        assertThat(addressLookups).as("a pending address lookup").isNotEmpty();
        addressLookups.poll().complete(address);
    }

    void addressFails(String message) {
        assertThat(addressLookups).as("a pending address lookup").isNotEmpty();
        addressLookups.poll().completeExceptionally(new RuntimeException(message));
    }

    /** Completes the oldest pending connect with a new connection. */
    FakeConnection connectSucceeds() {
        assertThat(connects).as("a pending connect").isNotEmpty();
        FakeConnection c = new FakeConnection("conn" + (connections.size() + 1));
        connections.add(c);
        connects.poll().complete(c);
        return c;
    }

    void connectFails(String message) {
        assertThat(connects).as("a pending connect").isNotEmpty();
        connects.poll().completeExceptionally(new RuntimeException(message));
    }

    /** Address then connect: a whole successful attempt. */
    FakeConnection connectTo(String address) {
        address(address);
        return connectSucceeds();
    }

    void releaseHandler() {
        assertThat(heldHandlers).as("a held event handler").isNotEmpty();
        heldHandlers.poll().complete(null);
    }

    void advance(Duration d) {
        time.advanceBy(d);
    }

    /** The error a completed-exceptionally future holds, unwrapped (CompletableFuture.exceptionNow is Java 19+). */
    static Throwable failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.getNow(null);
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
        throw new AssertionError("not failed");
    }

    void assertEvents(String... expected) {
        assertThat(events).containsExactly(expected);
    }
}
