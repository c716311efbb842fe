package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.ConnectionEvent.Disconnected;
import dev.persistentconnection.ConnectionState.Phase;
import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** state() during an outage: when the next attempt is due, how long the outage has lasted, the last attempt. */
class PersistentConnectionOutageStateTest {

    private final ConnectionScenario s = new ConnectionScenario();

    private static Instant at(long seconds) {
        return Instant.EPOCH.plusSeconds(seconds);
    }

    @Test
    void whileAnAttemptIsUnderWayNoAttemptIsDueAndNoOutageHasBegun() {
        s.start();
        ConnectionState state = s.connection().state();

        assertThat(state.phase()).isEqualTo(Phase.CONNECTING);
        assertThat(state.lastAttemptAt()).contains(at(0));
        assertThat(state.nextAttemptAt()).isEmpty();
        assertThat(state.untilNextAttempt()).isEmpty();
        assertThat(state.outageSince()).isEmpty();
        assertThat(state.outageDuration()).isEmpty();
    }

    @Test
    void aFailureStartsTheOutageAndSaysWhenTheNextAttemptIsDue() {
        s.start();
        s.advance(Duration.ofSeconds(2));
        s.addressFails("down"); // attempt at 0 s failed at 2 s
        s.advance(Duration.ofSeconds(3));

        ConnectionState state = s.connection().state();
        assertThat(state.phase()).isEqualTo(Phase.WAITING_TO_RETRY);
        assertThat(state.at()).isEqualTo(at(5));
        assertThat(state.nextAttemptAt()).contains(at(10));
        assertThat(state.untilNextAttempt()).contains(Duration.ofSeconds(5));
        assertThat(state.outageSince()).contains(at(2));
        assertThat(state.outageDuration()).contains(Duration.ofSeconds(3));

        s.advance(Duration.ofSeconds(5)); // attempt 2 at 10 s
        assertThat(s.connection().state().nextAttemptAt())
                .as("connecting again")
                .isEmpty();
        assertThat(s.connection().state().lastAttemptAt()).contains(at(10));
        assertThat(s.connection().state().outageDuration())
                .as("the outage goes on")
                .contains(Duration.ofSeconds(8));
        s.addressFails("down");
        assertThat(s.connection().state().outageSince())
                .as("from the first failure")
                .contains(at(2));
        assertThat(s.connection().state().nextAttemptAt()).contains(at(20));
    }

    @Test
    void aConnectionEndsTheOutage() {
        s.start();
        s.addressFails("down");
        s.advance(ConnectionScenario.DELAY);
        s.connectTo("a");

        ConnectionState state = s.connection().state();
        assertThat(state.phase()).isEqualTo(Phase.CONNECTED);
        assertThat(state.outageSince()).isEmpty();
        assertThat(state.nextAttemptAt()).isEmpty();
        assertThat(state.lastAttemptAt()).contains(at(10));
    }

    @Test
    void aDisconnectionStartsAnOutageAndTheNextAttemptIsDueWhenTheRetryDelayIsOver() {
        s.hold(Disconnected.class).start();
        FakeConnection c = s.connectTo("a"); // attempt at 0 s
        s.advance(Duration.ofSeconds(4));
        c.peerClose(); // short-lived: waits until 10 s

        ConnectionState state = s.connection().state();
        assertThat(state.phase()).isEqualTo(Phase.DISCONNECTED);
        assertThat(state.outageSince()).contains(at(4));
        assertThat(state.nextAttemptAt()).contains(at(10));
        s.releaseHandler();
        s.advance(Duration.ofSeconds(1));
        assertThat(s.connection().state().outageDuration()).contains(Duration.ofSeconds(1));
    }

    @Test
    void afterALongLivedConnectionTheNextAttemptIsDueAtOnce() {
        s.hold(Disconnected.class).start();
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(1));
        c.peerClose();

        assertThat(s.connection().state().nextAttemptAt()).contains(at(60));
        assertThat(s.connection().state().untilNextAttempt()).contains(Duration.ZERO);
    }

    @Test
    void onceClosedThereIsNoOutageAndNoNextAttempt() {
        s.start();
        s.addressFails("down");
        s.connection().closeAsync();

        ConnectionState state = s.connection().state();
        assertThat(state.phase()).isEqualTo(Phase.CLOSED);
        assertThat(state.outageSince()).isEmpty();
        assertThat(state.nextAttemptAt()).isEmpty();
        assertThat(state.lastError()).get().extracting(Throwable::getMessage).isEqualTo("down");
    }
}
