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
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * retryNow() in each phase of the close and abort tables (docs/SEMANTICS.md §8, §9): it starts the next attempt at
 * once only where the loop waits for a retry, does nothing elsewhere, never overlaps two attempts, and leaves what a
 * close or an abort does unchanged. Each case runs twice, with and without retryNow(), and compares.
 */
@org.junit.jupiter.api.Timeout(60)
class PersistentConnectionRetryNowTest {

    /** A phase of the tables: how to get there, and how to let the loop go on from there. */
    enum Where {
        IN_THE_ATTEMPTING_HANDLER(false, s -> s.hold(AttemptingToConnect.class).start(), s -> {
            s.releaseHandler();
            failPendingAttempt(s);
        }),
        DURING_GET_ADDRESS(false, ConnectionScenario::start, s -> s.addressFails("down")),
        IN_THE_OBTAINED_ADDRESS_HANDLER(
                false,
                s -> {
                    s.hold(ObtainedAddress.class).start();
                    s.address("a");
                },
                s -> {
                    s.releaseHandler();
                    failPendingAttempt(s);
                }),
        DURING_CONNECT(
                false,
                s -> {
                    s.start();
                    s.address("a");
                },
                s -> s.connectFails("refused")),
        IN_THE_FAILED_HANDLER(
                true,
                s -> {
                    s.hold(FailedToConnect.class).start();
                    s.addressFails("down");
                },
                ConnectionScenario::releaseHandler),
        WAITING_AFTER_A_FAILURE(
                true,
                s -> {
                    s.start();
                    s.addressFails("down");
                },
                s -> {}),
        IN_THE_CONNECTED_HANDLER(
                false,
                s -> {
                    s.hold(Connected.class).start();
                    s.connectTo("a");
                },
                s -> {
                    s.releaseHandler();
                    s.connections().get(0).peerClose();
                }),
        CONNECTED(
                false,
                s -> {
                    s.start();
                    s.connectTo("a");
                },
                s -> s.connections().get(0).peerClose()),
        IN_THE_DISCONNECTED_HANDLER(
                true,
                s -> {
                    s.hold(Disconnected.class).start();
                    s.connectTo("a").peerClose();
                },
                ConnectionScenario::releaseHandler),
        WAITING_AFTER_A_DISCONNECTION(
                true,
                s -> {
                    s.start();
                    s.connectTo("a").peerClose();
                },
                s -> {}),
        AFTER_TERMINATION(
                false,
                s -> {
                    s.start();
                    s.connection().closeAsync();
                    s.addressFails("down");
                },
                s -> {});

        final boolean startsAtOnce;
        final Consumer<ConnectionScenario> reach;
        final Consumer<ConnectionScenario> goOn;

        Where(boolean startsAtOnce, Consumer<ConnectionScenario> reach, Consumer<ConnectionScenario> goOn) {
            this.startsAtOnce = startsAtOnce;
            this.reach = reach;
            this.goOn = goOn;
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void retryNowStartsTheNextAttemptAtOnceOnlyWhereTheLoopWaitsForARetry(Where where) {
        ConnectionScenario control = new ConnectionScenario();
        where.reach.accept(control);
        where.goOn.accept(control);

        ConnectionScenario retried = new ConnectionScenario();
        where.reach.accept(retried);
        retried.connection().retryNow();
        assertAtMostOneAttemptAtATime(retried);
        where.goOn.accept(retried);
        assertAtMostOneAttemptAtATime(retried);

        assertThat(retried.addressCalls() - control.addressCalls())
                .as("attempts started at once by retryNow()")
                .isEqualTo(where.startsAtOnce ? 1 : 0);
        if (!where.startsAtOnce) {
            assertThat(retried.events())
                    .as("a retryNow() that does nothing changes nothing")
                    .containsExactlyElementsOf(control.events());
            control.advance(ConnectionScenario.DELAY);
            retried.advance(ConnectionScenario.DELAY);
            assertThat(retried.addressCalls())
                    .as("and the delay is still the delay")
                    .isEqualTo(control.addressCalls());
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void afterCloseRetryNowChangesNothingTheCloseTableSays(Where where) {
        compareWithAndWithoutRetryNow(where, s -> s.connection().closeAsync());
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void afterAnAbortRetryNowChangesNothingTheAbortTableSays(Where where) {
        compareWithAndWithoutRetryNow(where, s -> s.connection().closeWhenCurrentConnectionIsClosed());
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void aCloseAfterRetryNowStillEndsTheLoopAsTheCloseTableSays(Where where) {
        ConnectionScenario control = new ConnectionScenario();
        where.reach.accept(control);
        control.connection().closeAsync();
        finish(where, control);

        ConnectionScenario retried = new ConnectionScenario();
        where.reach.accept(retried);
        retried.connection().retryNow();
        retried.connection().closeAsync();
        finish(where, retried);

        if (!where.startsAtOnce) {
            assertThat(retried.events()).containsExactlyElementsOf(control.events());
        }
        assertThat(retried.connection().closeFinished()).isCompleted();
        assertThat(retried.connection().state().phase()).isEqualTo(ConnectionState.Phase.CLOSED);
        assertThat(retried.time().pendingTimers()).isZero();
    }

    private static void compareWithAndWithoutRetryNow(Where where, Consumer<ConnectionScenario> stop) {
        ConnectionScenario control = new ConnectionScenario();
        where.reach.accept(control);
        stop.accept(control);
        finish(where, control);

        ConnectionScenario retried = new ConnectionScenario();
        where.reach.accept(retried);
        stop.accept(retried);
        retried.connection().retryNow();
        finish(where, retried);

        assertThat(retried.events()).containsExactlyElementsOf(control.events());
        assertThat(retried.addressCalls()).isEqualTo(control.addressCalls());
        assertThat(retried.connection().isClosed())
                .isEqualTo(control.connection().isClosed());
        assertThat(retried.connection().closeFinished().isDone())
                .isEqualTo(control.connection().closeFinished().isDone());
        assertThat(retried.connection().state().phase())
                .isEqualTo(control.connection().state().phase());
    }

    /** Lets the loop go on and end: whatever is pending completes or fails, and time passes. */
    private static void finish(Where where, ConnectionScenario s) {
        where.goOn.accept(s);
        for (int round = 0; round < 3; round++) {
            while (!s.heldHandlers().isEmpty()) {
                s.releaseHandler();
            }
            failPendingAttempt(s);
            s.advance(ConnectionScenario.DELAY);
        }
    }

    /** The attempt in flight, if any, fails. */
    private static void failPendingAttempt(ConnectionScenario s) {
        if (!s.addressLookups().isEmpty()) {
            s.addressFails("down");
        }
        if (!s.connects().isEmpty()) {
            s.connectFails("refused");
        }
    }

    private static void assertAtMostOneAttemptAtATime(ConnectionScenario s) {
        assertThat(s.addressLookups().size() + s.connects().size())
                .as("attempts in flight")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void retryNowIsAnEarlyTimerNotASecondTimer() {
        ConnectionScenario s = new ConnectionScenario().start();
        s.addressFails("down"); // attempt 1 at 0 s, the next due at 10 s
        s.advance(Duration.ofSeconds(3));
        assertThat(s.connection().state().nextAttemptAt()).contains(Instant.EPOCH.plusSeconds(10));

        s.connection().retryNow(); // attempt 2 at 3 s, the next due at 13 s

        assertThat(s.addressCalls()).isEqualTo(2);
        assertThat(s.connection().state().phase()).isEqualTo(ConnectionState.Phase.CONNECTING);
        assertThat(s.connection().state().lastAttemptAt()).contains(Instant.EPOCH.plusSeconds(3));
        s.addressFails("down");
        assertThat(s.connection().state().nextAttemptAt()).contains(Instant.EPOCH.plusSeconds(13));
        s.advance(Duration.ofSeconds(7)); // 10 s: the old timer is gone
        assertThat(s.addressCalls()).isEqualTo(2);
        s.advance(Duration.ofSeconds(3)); // 13 s
        assertThat(s.addressCalls()).isEqualTo(3);
        assertThat(s.time().pendingTimers()).isEqualTo(1);
    }

    @Test
    void retryNowTwiceIsOneAttempt() {
        ConnectionScenario s = new ConnectionScenario().start();
        s.addressFails("down");
        s.connection().retryNow();
        s.connection().retryNow();

        assertThat(s.addressCalls()).isEqualTo(2);
        assertThat(s.addressLookups()).hasSize(1);
    }

    @Test
    void retryNowAfterADisconnectionSkipsTheReconnectJitterToo() {
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.reconnectJitter(Duration.ofSeconds(30), new java.util.Random(7)));
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(1)); // long-lived: the reference would reconnect at once
        c.peerClose();
        assertThat(s.addressCalls()).as("the jitter wait").isEqualTo(1);

        s.connection().retryNow();

        assertThat(s.addressCalls()).isEqualTo(2);
        s.assertEvents(
                "Attempting_to_connect",
                "(Obtained_address a)",
                "(Connected <opaque>)",
                "Disconnected",
                "Attempting_to_connect");
    }
}
