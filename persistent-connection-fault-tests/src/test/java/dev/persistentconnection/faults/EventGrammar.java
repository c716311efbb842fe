package dev.persistentconnection.faults;

import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.ConnectionLifecycle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Checks the events of one persistent connection, as its {@code on_event} handler receives them, against the
 * grammar of docs/SEMANTICS.md §3, §4 and §10:
 *
 * <pre>
 *   log    = A cycle* ;        cycle = (O | F)* [ C D [ A ... ] ]
 * </pre>
 * <ul>
 *   <li>the first event is {@code Attempting_to_connect}; it starts every cycle and never comes between attempts;</li>
 *   <li>{@code Connected} never comes twice without a {@code Disconnected} in between, and only for a connection
 *       the connector created (each one once);</li>
 *   <li>{@code Disconnected} only after {@code Connected}, and only once that connection is closed;</li>
 *   <li>within a cycle, {@code Obtained_address} is not repeated for the same address twice in a row, and two
 *       consecutive {@code Failed_to_connect} never carry equal errors (same class and message);</li>
 *   <li>after a {@code close()} that found the connection connected, only its {@code Disconnected}; after
 *       termination, nothing.</li>
 * </ul>
 * Thread-safe; events of one connection arrive one at a time.
 */
final class EventGrammar<C> {
    private enum State {
        INIT,
        CYCLE,
        CONNECTED,
        DISCONNECTED,
        TERMINATED
    }

    private final ConnectionLifecycle<C> lifecycle;
    private final Predicate<C> createdByConnector;
    private final List<String> log = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Set<C> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private State state = State.INIT;
    private C current;
    private Object lastAddress;
    private Throwable lastError;
    private boolean lastWasFailure;
    private boolean addressSeenInCycle;
    private int connectedCount;
    private int cycles;
    private long total;

    EventGrammar(ConnectionLifecycle<C> lifecycle, Predicate<C> createdByConnector) {
        this.lifecycle = lifecycle;
        this.createdByConnector = createdByConnector;
    }

    @SuppressWarnings("unchecked")
    synchronized void on(ConnectionEvent<?, ?> event) {
        String e = event.toString();
        log.add(e);
        total++;
        if (log.size() > 10_000) {
            log.subList(0, 5_000).clear(); // keep the tail for reports in long runs
        }
        switch (state) {
            case TERMINATED -> violation("event after termination: " + e);
            case INIT -> {
                if (event instanceof ConnectionEvent.AttemptingToConnect<?, ?>) {
                    newCycle();
                } else {
                    violation("first event is not Attempting_to_connect: " + e);
                }
            }
            case CYCLE -> {
                if (event instanceof ConnectionEvent.ObtainedAddress<?, ?> o) {
                    if (addressSeenInCycle && Objects.equals(o.address(), lastAddress)) {
                        violation("Obtained_address repeated for the same address in one cycle: " + e);
                    }
                    addressSeenInCycle = true;
                    lastAddress = o.address();
                } else if (event instanceof ConnectionEvent.FailedToConnect<?, ?> f) {
                    if (lastWasFailure && sameError(lastError, f.error())) {
                        violation("two consecutive equal Failed_to_connect: " + e);
                    }
                    lastWasFailure = true;
                    lastError = f.error();
                } else if (event instanceof ConnectionEvent.Connected<?, ?> c) {
                    C conn = (C) c.connection();
                    if (!createdByConnector.test(conn)) {
                        violation("Connected with a connection the connector did not create: " + conn);
                    }
                    if (!seen.add(conn)) {
                        violation("Connected twice with the same connection: " + conn);
                    }
                    current = conn;
                    connectedCount++;
                    state = State.CONNECTED;
                } else {
                    violation("unexpected in a cycle of attempts: " + e);
                }
            }
            case CONNECTED -> {
                if (event instanceof ConnectionEvent.Disconnected<?, ?>) {
                    if (!lifecycle.isClosed(current)
                            || !lifecycle
                                    .closeFinished(current)
                                    .toCompletableFuture()
                                    .isDone()) {
                        violation("Disconnected while the connection is not closed: " + current);
                    }
                    state = State.DISCONNECTED;
                } else {
                    violation("expected Disconnected after Connected, got " + e);
                }
            }
            case DISCONNECTED -> {
                if (event instanceof ConnectionEvent.AttemptingToConnect<?, ?>) {
                    newCycle();
                } else {
                    violation("expected Attempting_to_connect after Disconnected, got " + e);
                }
            }
            default -> throw new AssertionError(state);
        }
    }

    private void newCycle() {
        state = State.CYCLE;
        cycles++;
        addressSeenInCycle = false;
        lastAddress = null;
        lastError = null;
        lastWasFailure = false;
    }

    private static boolean sameError(Throwable a, Throwable b) {
        return a != null && b != null && a.getClass() == b.getClass() && Objects.equals(a.getMessage(), b.getMessage());
    }

    private void violation(String message) {
        violations.add(message + " (event #" + log.size() + ")");
    }

    /** Declares the connection terminated: any further event is a violation. */
    synchronized void terminated() {
        if (state == State.CONNECTED) {
            violation("terminated while Connected without Disconnected");
        }
        state = State.TERMINATED;
    }

    /** A position for {@link #eventsSince(long)}. */
    synchronized long size() {
        return total;
    }

    synchronized List<String> events() {
        return List.copyOf(log);
    }

    /** The events after position {@code mark} (from {@link #size()}); at most the kept tail. */
    synchronized List<String> eventsSince(long mark) {
        int n = (int) Math.min(total - mark, log.size());
        return List.copyOf(log.subList(log.size() - n, log.size()));
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** Events seen, including those trimmed from the kept log. */
    synchronized long eventCountTotal() {
        return total;
    }

    synchronized int connectedCount() {
        return connectedCount;
    }

    synchronized int cycles() {
        return cycles;
    }

    synchronized boolean isConnected() {
        return state == State.CONNECTED;
    }
}
