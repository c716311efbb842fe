package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Builder.reconnectJitter: the reconnect after a long-lived connection waits a random time in [0, window]. */
class ReconnectJitterTest {

    private static final Duration WINDOW = Duration.ofSeconds(5);

    @Test
    void theImmediateReconnectWaitsAUniformTimeWithinTheWindow() {
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.reconnectJitter(WINDOW, new Random(42)));
        List<Duration> waits = new ArrayList<>();
        for (int cycle = 0; cycle < 200; cycle++) {
            FakeConnection c = s.connectTo("a");
            s.advance(Duration.ofMinutes(1)); // lived longer than the retry delay
            int attempts = s.addressCalls();
            Instant closedAt = s.time().now();
            c.peerClose();
            Instant due = s.connection().state().nextAttemptAt().orElseThrow();
            assertThat(Duration.between(closedAt, due)).isBetween(Duration.ZERO, WINDOW);
            Duration waited = Duration.ZERO;
            while (s.addressCalls() == attempts) {
                assertThat(waited).as("reconnected within the window").isLessThanOrEqualTo(WINDOW);
                s.advance(Duration.ofMillis(100));
                waited = waited.plusMillis(100);
            }
            assertThat(s.time().now()).as("reconnected when due, to 100 ms").isBetween(due, due.plusMillis(100));
            waits.add(Duration.between(closedAt, due));
        }
        long early =
                waits.stream().filter(w -> w.compareTo(WINDOW.dividedBy(2)) < 0).count();
        assertThat(early).as("about half in the first half of the window").isBetween(70L, 130L);
        assertThat(waits.stream().distinct().count())
                .as("spread, not one value")
                .isGreaterThan(150);
    }

    @Test
    void withoutAWindowTheReconnectIsImmediateAsInTheReference() {
        ConnectionScenario s = new ConnectionScenario().start();
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(1));
        c.peerClose();

        assertThat(s.addressCalls()).isEqualTo(2);
    }

    @Test
    void aShortLivedConnectionWaitsOutTheRetryDelayWithNoJitterAdded() {
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.reconnectJitter(WINDOW, new Random(1)));
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofSeconds(4));
        c.peerClose();

        assertThat(s.connection().state().nextAttemptAt()).contains(Instant.EPOCH.plus(ConnectionScenario.DELAY));
        s.advance(Duration.ofSeconds(6));
        assertThat(s.addressCalls()).isEqualTo(2);
    }

    @Test
    void aCloseDuringTheJitterWaitEndsTheLoopAtOnce() {
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.reconnectJitter(WINDOW, new Random(3)));
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(1));
        c.peerClose();
        s.connection().closeAsync();

        assertThat(s.connection().closeFinished()).isCompleted();
        assertThat(s.time().pendingTimers()).isZero();
        s.advance(WINDOW);
        assertThat(s.addressCalls()).isEqualTo(1);
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
    }

    @Test
    void anAbortDuringTheJitterWaitEndsTheLoopAtOnce() {
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.reconnectJitter(WINDOW, new Random(3)));
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(1));
        c.peerClose();
        s.connection().closeWhenCurrentConnectionIsClosed();

        assertThat(s.connection().isClosed()).isTrue();
        assertThat(s.time().pendingTimers()).isZero();
    }

    @Test
    void aNegativeWindowIsRefused() {
        ConnectionScenario s = new ConnectionScenario();
        assertThatThrownBy(() -> s.start(b -> b.reconnectJitter(Duration.ofSeconds(-1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reconnectJitter");
    }
}
