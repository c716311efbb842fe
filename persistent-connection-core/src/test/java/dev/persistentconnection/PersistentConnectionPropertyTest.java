package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.ConnectionEvent.AttemptingToConnect;
import dev.persistentconnection.ConnectionEvent.Connected;
import dev.persistentconnection.ConnectionEvent.Disconnected;
import dev.persistentconnection.ConnectionEvent.FailedToConnect;
import dev.persistentconnection.ConnectionEvent.ObtainedAddress;
import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Drives the engine through thousands of random schedules of address results, connect results, peer closes,
 * close/abort calls, handler completions and time advances, and checks the invariants of the reference after each.
 * A failure names its seed; {@code -Dproperty.seed=N} replays one schedule. (Plain JUnit with seeded schedules:
 * jqwik's maintainer asks that AI agents not use it.)
 */
class PersistentConnectionPropertyTest {

    private static final int TRIES = Integer.getInteger("property.tries", 3000);
    private static final int STEPS = 80;
    private static final List<String> ADDRESSES = List.of("a", "b", "c");
    private static final List<String> ERRORS = List.of("E1", "E2");

    @Test
    void randomSchedulesKeepTheReferenceInvariants() {
        Long only = Long.getLong("property.seed");
        for (long seed = only != null ? only : 0; seed < (only != null ? only + 1 : TRIES); seed++) {
            Run run = new Run(seed);
            try {
                run.execute();
            } catch (AssertionError | RuntimeException failure) {
                throw new AssertionError(
                        "schedule with seed " + seed + " broke an invariant (replay with " + "-Dproperty.seed=" + seed
                                + ")\nactions: " + run.actions + "\nevents: " + run.s.events(),
                        failure);
            }
        }
    }

    private static final class Run {
        final Random random;
        final ConnectionScenario s = new ConnectionScenario();
        final List<String> actions = new ArrayList<>();
        final List<CompletableFuture<FakeConnection>> connectedFutures = new ArrayList<>();
        final List<CompletableFuture<FakeConnection>> outcomeFutures = new ArrayList<>();
        int eventsAtClose = -1;

        Run(long seed) {
            this.random = new Random(seed);
        }

        void execute() {
            Duration delay = Duration.ofMillis(1 + random.nextInt(20_000));
            boolean randomized = random.nextBoolean();
            List<Class<?>> heldKinds = List.of(
                    AttemptingToConnect.class,
                    ObtainedAddress.class,
                    FailedToConnect.class,
                    Connected.class,
                    Disconnected.class);
            for (Class<?> kind : heldKinds) {
                if (random.nextInt(3) == 0) {
                    s.hold(kind);
                }
            }
            Random jitter = new Random(random.nextLong());
            s.start(b -> b.retryDelay(delay)
                    .randomization(randomized ? Randomization.percent(0.3, jitter) : Randomization.nonRandom()));

            for (int step = 0; step < STEPS; step++) {
                randomAction();
                checkAlways();
            }
            closeAndDrain();
            checkAfterTermination();
        }

        void randomAction() {
            switch (random.nextInt(11)) {
                case 0, 1 -> {
                    if (!s.addressLookups().isEmpty()) {
                        if (random.nextInt(3) == 0) {
                            act("address fails");
                            s.addressFails(pick(ERRORS));
                        } else {
                            String address = pick(ADDRESSES);
                            act("address " + address);
                            s.address(address);
                        }
                    }
                }
                case 2, 3 -> {
                    if (!s.connects().isEmpty()) {
                        int outcome = random.nextInt(6);
                        if (outcome < 3) {
                            act("connect succeeds");
                            s.connectSucceeds();
                        } else if (outcome < 5) {
                            act("connect fails");
                            s.connectFails(pick(ERRORS));
                        } else {
                            act("connect fails fatally");
                            s.connects().poll().completeExceptionally(new FatalConnectException("fatal"));
                        }
                    }
                }
                case 4 -> {
                    if (!s.heldHandlers().isEmpty()) {
                        act("release handler");
                        s.releaseHandler();
                    }
                }
                case 5 -> {
                    List<FakeConnection> live =
                            s.connections().stream().filter(c -> !c.isClosed()).toList();
                    if (!live.isEmpty()) {
                        act("peer closes");
                        live.get(random.nextInt(live.size())).peerClose();
                    }
                }
                case 6 -> {
                    Duration d = Duration.ofMillis(random.nextInt(15_000));
                    act("advance " + d.toMillis() + "ms");
                    s.advance(d);
                }
                case 7 -> {
                    act("connected()");
                    connectedFutures.add(s.connection().connected());
                    outcomeFutures.add(s.connection().connectedOrFailedToConnect());
                }
                case 8 -> {
                    if (random.nextInt(8) == 0) {
                        act("close");
                        markClose();
                        s.connection().closeAsync();
                    }
                }
                case 9 -> {
                    if (random.nextInt(8) == 0 && s.context() != null) {
                        act("abort");
                        s.context().abort(new RuntimeException("aborted"));
                    }
                }
                case 10 -> {
                    if (random.nextInt(8) == 0) {
                        act("closeWhenCurrentConnectionIsClosed");
                        s.connection().closeWhenCurrentConnectionIsClosed();
                    }
                }
                default -> throw new IllegalStateException();
            }
        }

        void closeAndDrain() {
            act("final close");
            markClose();
            CompletableFuture<Void> closed = s.connection().closeAsync();
            for (int i = 0; i < 1_000 && !closed.isDone(); i++) {
                if (!s.addressLookups().isEmpty()) {
                    s.addressFails("E1");
                } else if (!s.connects().isEmpty()) {
                    if (random.nextBoolean()) {
                        s.connectSucceeds();
                    } else {
                        s.connectFails("E1");
                    }
                } else if (!s.heldHandlers().isEmpty()) {
                    s.releaseHandler();
                } else {
                    s.advance(Duration.ofSeconds(30));
                }
                checkAlways();
            }
            assertThat(closed)
                    .as("closeFinished completes once the callbacks in flight complete")
                    .isCompleted();
            while (!s.heldHandlers().isEmpty()) {
                s.releaseHandler(); // a Connected handler may outlive close(), as in the reference
            }
        }

        void checkAlways() {
            long live = s.connections().stream().filter(c -> !c.isClosed()).count();
            assertThat(live).as("at most one live connection").isLessThanOrEqualTo(1);
            assertThat(s.uncaught()).as("no uncaught errors").isEmpty();
            checkGrammar();
            for (CompletableFuture<FakeConnection> f : connectedFutures) {
                if (f.isDone()) {
                    assertThat(s.connections()).contains(f.join());
                }
            }
        }

        void checkAfterTermination() {
            assertThat(s.connection().isClosed()).isTrue();
            assertThat(s.connection().closeFinished()).isCompleted();
            assertThat(s.connections())
                    .as("every connection the connector produced is closed")
                    .allSatisfy(c -> assertThat(c.isClosed()).isTrue());
            assertThat(s.connections())
                    .as("no connection closed twice by the engine")
                    .allSatisfy(c -> assertThat(c.closeCalls()).isLessThanOrEqualTo(1));
            assertThat(s.time().pendingTimers())
                    .as("no timer left after termination")
                    .isZero();
            assertThat(s.connection().currentConnection()).isEmpty();
            assertThat(outcomeFutures)
                    .as("connectedOrFailedToConnect never hangs")
                    .allSatisfy(f -> assertThat(f).isDone());
            int events = s.events().size();
            s.advance(Duration.ofHours(1));
            assertThat(s.events()).as("no events after termination").hasSize(events);
            assertThat(s.addressLookups()).isEmpty();
            assertThat(s.connects()).isEmpty();
        }

        /** docs/SEMANTICS.md §10, plus the de-duplication of §5 as seen in the event stream. */
        void checkGrammar() {
            List<ConnectionEvent<String, FakeConnection>> events = s.rawEvents();
            assertThat(events).isNotEmpty();
            assertThat(events.get(0)).isInstanceOf(AttemptingToConnect.class);
            ConnectionEvent<String, FakeConnection> previous = null;
            String lastAddress = null;
            String lastError = null;
            for (int i = 0; i < events.size(); i++) {
                ConnectionEvent<String, FakeConnection> event = events.get(i);
                if (event instanceof AttemptingToConnect) {
                    assertThat(previous == null || previous instanceof Disconnected)
                            .as("Attempting_to_connect starts the first cycle or follows Disconnected (%s)", i)
                            .isTrue();
                    assertThat(eventsAtClose < 0 || i < eventsAtClose)
                            .as("no Attempting_to_connect after close (%s)", i)
                            .isTrue();
                    lastAddress = null;
                    lastError = null;
                } else if (event instanceof Connected) {
                    assertThat(previous)
                            .as("Connected inside a cycle (%s)", i)
                            .isNotNull()
                            .isNotInstanceOfAny(Connected.class, Disconnected.class);
                } else if (event instanceof Disconnected) {
                    assertThat(previous)
                            .as("Disconnected only after Connected (%s)", i)
                            .isInstanceOf(Connected.class);
                } else {
                    assertThat(previous)
                            .as("attempt events inside a cycle, not while connected (%s)", i)
                            .isNotNull()
                            .isNotInstanceOfAny(Connected.class, Disconnected.class);
                    if (event instanceof ObtainedAddress<String, FakeConnection> obtained) {
                        assertThat(obtained.address())
                                .as("a reported address differs from the last one")
                                .isNotEqualTo(lastAddress);
                        lastAddress = obtained.address();
                    } else if (event instanceof FailedToConnect<String, FakeConnection> failed) {
                        String message = failed.error().getMessage();
                        assertThat(message)
                                .as("a reported error differs from the last one")
                                .isNotEqualTo(lastError);
                        lastError = message;
                    }
                }
                previous = event;
            }
        }

        void markClose() {
            if (eventsAtClose < 0) {
                eventsAtClose = s.events().size();
            }
        }

        void act(String action) {
            actions.add(action);
        }

        <T> T pick(List<T> list) {
            return list.get(random.nextInt(list.size()));
        }
    }

    @Test
    void theScheduleGeneratorReachesEveryPhase() {
        // Guards against a generator that silently stopped exercising the engine.
        List<String> seen = new ArrayList<>();
        for (long seed = 0; seed < 200; seed++) {
            Run run = new Run(seed);
            run.execute();
            seen.addAll(run.s.events().stream()
                    .map(e -> e.replaceAll(" .*", "").replace("(", ""))
                    .collect(Collectors.toSet()));
        }
        assertThat(seen)
                .contains(
                        "Attempting_to_connect", "Obtained_address", "Failed_to_connect", "Connected", "Disconnected");
    }
}
