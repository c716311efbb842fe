package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.ConnectionState.Phase;
import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** connectedWithin(Duration): the connection, or at the deadline the reason there is none. */
class PersistentConnectionDeadlineTest {

    private final ConnectionScenario s = new ConnectionScenario();

    @Test
    void atTheDeadlineItFailsWithEverythingThatExplainsWhy() {
        s.start();
        s.addressFails("catalog down"); // attempt 1 at 0 s
        s.advance(ConnectionScenario.DELAY);
        s.address("a");
        s.connectFails("connection refused"); // attempt 2 at 10 s, next due at 20 s
        CompletableFuture<FakeConnection> within = s.connection().connectedWithin(Duration.ofSeconds(5));
        s.advance(Duration.ofSeconds(4));
        assertThat(within).isNotDone();

        s.advance(Duration.ofSeconds(1)); // 15 s

        NotConnectedException error = (NotConnectedException) ConnectionScenario.failure(within);
        assertThat(error.serverName()).isEqualTo("test server");
        assertThat(error.phase()).isEqualTo(Phase.WAITING_TO_RETRY);
        assertThat(error.getCause()).hasMessage("connection refused");
        assertThat(error.consecutiveFailures()).isEqualTo(2);
        assertThat(error.lastAttemptAt()).contains(Instant.EPOCH.plusSeconds(10));
        assertThat(error.nextAttemptAt()).contains(Instant.EPOCH.plusSeconds(20));
        assertThat(error.waited()).isEqualTo(Duration.ofSeconds(5));
        assertThat(error.state().at()).isEqualTo(Instant.EPOCH.plusSeconds(15));
        assertThat(error)
                .hasMessage("not connected to test server within PT5S: WAITING_TO_RETRY, 2 consecutive "
                        + "failed attempts, last attempt at 1970-01-01T00:00:10Z, next attempt at 1970-01-01T00:00:20Z, "
                        + "last error: java.lang.RuntimeException: connection refused");
    }

    @Test
    void whileAnAttemptIsUnderWayTheErrorSaysSoAndNamesNoNextAttempt() {
        s.start();
        CompletableFuture<FakeConnection> within = s.connection().connectedWithin(Duration.ofSeconds(1));
        s.advance(Duration.ofSeconds(1));

        NotConnectedException error = (NotConnectedException) ConnectionScenario.failure(within);
        assertThat(error.phase()).isEqualTo(Phase.CONNECTING);
        assertThat(error.getCause()).isNull();
        assertThat(error.consecutiveFailures()).isZero();
        assertThat(error.lastAttemptAt()).contains(Instant.EPOCH);
        assertThat(error.nextAttemptAt()).isEmpty();
    }

    @Test
    void aConnectionBeforeTheDeadlineCompletesItAndCancelsTheDeadline() {
        s.start();
        CompletableFuture<FakeConnection> within = s.connection().connectedWithin(Duration.ofSeconds(5));
        assertThat(s.time().pendingTimers())
                .as("the retry timer and the deadline")
                .isEqualTo(2);
        FakeConnection c = s.connectTo("a");

        assertThat(within).isCompletedWithValue(c);
        assertThat(s.time().pendingTimers()).as("the deadline is cancelled").isEqualTo(1);
        s.advance(Duration.ofSeconds(5));
        assertThat(within).isCompletedWithValue(c);
    }

    @Test
    void whileConnectedItIsTheSharedCompletedFutureAndAllocatesNoTimer() {
        s.start();
        FakeConnection c = s.connectTo("a");
        int timers = s.time().pendingTimers();

        assertThat(s.connection().connectedWithin(Duration.ofSeconds(1)))
                .isSameAs(s.connection().connected())
                .isCompletedWithValue(c);
        assertThat(s.time().pendingTimers()).isEqualTo(timers);
    }

    @Test
    void zeroAsksConnectedNowOrWhyNot() {
        s.start();
        s.addressFails("down");

        NotConnectedException error = (NotConnectedException)
                ConnectionScenario.failure(s.connection().connectedWithin(Duration.ZERO));
        assertThat(error.phase()).isEqualTo(Phase.WAITING_TO_RETRY);
        assertThat(error.getCause()).hasMessage("down");
    }

    @Test
    void aCloseFailsTheWaitingCallersAtOnceAndLaterCallersImmediately() {
        s.start();
        s.addressFails("down");
        CompletableFuture<FakeConnection> waiting = s.connection().connectedWithin(Duration.ofMinutes(1));
        s.connection().closeAsync();

        assertThat(((NotConnectedException) ConnectionScenario.failure(waiting)).phase())
                .isEqualTo(Phase.CLOSED);
        assertThat(((NotConnectedException)
                                ConnectionScenario.failure(s.connection().connectedWithin(Duration.ofMinutes(1))))
                        .phase())
                .isEqualTo(Phase.CLOSED);
        assertThat(s.time().pendingTimers()).isZero();
    }

    @Test
    void anAbortThatEndsTheLoopFailsTheWaitingCallers() {
        s.start();
        s.addressFails("down");
        CompletableFuture<FakeConnection> waiting = s.connection().connectedWithin(Duration.ofMinutes(1));
        s.connection().closeWhenCurrentConnectionIsClosed();

        assertThat(((NotConnectedException) ConnectionScenario.failure(waiting)).phase())
                .isEqualTo(Phase.CLOSED);
    }

    @Test
    void expiredCallersAreForgottenAndTheNextConnectionCompletesOnlyTheLiveOnes() {
        s.start();
        s.addressFails("down");
        CompletableFuture<FakeConnection> expired = s.connection().connectedWithin(Duration.ofSeconds(1));
        CompletableFuture<FakeConnection> patient = s.connection().connectedWithin(Duration.ofMinutes(1));
        s.advance(Duration.ofSeconds(1));
        assertThat(expired).isCompletedExceptionally();

        s.advance(ConnectionScenario.DELAY);
        FakeConnection c = s.connectTo("a");

        assertThat(patient).isCompletedWithValue(c);
        assertThat(ConnectionScenario.failure(expired)).isInstanceOf(NotConnectedException.class);
    }

    @Test
    void aNegativeTimeoutIsRefused() {
        s.start();
        assertThatThrownBy(() -> s.connection().connectedWithin(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> s.connection().connectedWithin(null)).isInstanceOf(NullPointerException.class);
    }
}
