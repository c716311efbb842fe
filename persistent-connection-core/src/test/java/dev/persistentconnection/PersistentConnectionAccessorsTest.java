package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.ConnectionEvent.Connected;
import dev.persistentconnection.ConnectionState.Phase;
import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** docs/SEMANTICS.md §7: connected(), connectedOrFailedToConnect(), currentConnection() and state() in every state. */
class PersistentConnectionAccessorsTest {

    private final ConnectionScenario s = new ConnectionScenario();

    @Test
    void whileConnectingNothingIsCurrentAndTheFuturesWait() {
        s.start();

        assertThat(s.connection().currentConnection()).isEmpty();
        assertThat(s.connection().connected()).isNotDone();
        assertThat(s.connection().connectedOrFailedToConnect()).isNotDone();
        assertThat(s.connection().state().phase()).isEqualTo(Phase.CONNECTING);
        assertThat(s.connection().serverName()).isEqualTo("test server");
    }

    @Test
    void theTimeSourceIsTheBuildersAndTheClockOfTheState() {
        s.start();
        s.advance(Duration.ofSeconds(3));
        s.address("a");
        s.connectFails("refused");

        assertThat(s.connection().timeSource()).isSameAs(s.time());
        assertThat(s.connection().state().since()).isEqualTo(s.time().now());
    }

    @Test
    void aFailedAttemptResolvesConnectedOrFailedToConnectButNotConnected() {
        s.start();
        CompletableFuture<FakeConnection> connected = s.connection().connected();
        CompletableFuture<FakeConnection> outcome = s.connection().connectedOrFailedToConnect();
        s.address("a");
        s.connectFails("refused");

        assertThat(ConnectionScenario.failure(outcome)).hasMessage("refused");
        assertThat(connected).isNotDone();
        assertThat(s.connection().state()).satisfies(state -> {
            assertThat(state.phase()).isEqualTo(Phase.WAITING_TO_RETRY);
            assertThat(state.lastError()).hasValueSatisfying(e -> assertThat(e).hasMessage("refused"));
            assertThat(state.consecutiveFailures()).isEqualTo(1);
            assertThat(state.address()).contains("a");
        });
        assertThat(s.connection().connectedOrFailedToConnect())
                .as("waits for the next attempt")
                .isNotDone();
    }

    @Test
    void aFailedLookupResolvesConnectedOrFailedToConnectToo() {
        s.start();
        CompletableFuture<FakeConnection> outcome = s.connection().connectedOrFailedToConnect();
        s.addressFails("no such service");

        assertThat(ConnectionScenario.failure(outcome)).hasMessage("no such service");
    }

    @Test
    void onceConnectedEverythingAnswersAtOnceWithTheConnection() {
        s.start();
        CompletableFuture<FakeConnection> early = s.connection().connected();
        s.advance(Duration.ofSeconds(2));
        FakeConnection c = s.connectTo("a");

        assertThat(early).isCompletedWithValue(c);
        assertThat(s.connection().connected()).isCompletedWithValue(c);
        assertThat(s.connection().connected())
                .as("no allocation: the same future")
                .isSameAs(s.connection().connected());
        assertThat(s.connection().connectedOrFailedToConnect()).isCompletedWithValue(c);
        assertThat(s.connection().currentConnection()).contains(c);
        assertThat(s.connection().currentConnection()).isSameAs(s.connection().currentConnection());
        assertThat(s.connection().state()).satisfies(state -> {
            assertThat(state.phase()).isEqualTo(Phase.CONNECTED);
            assertThat(state.since()).isEqualTo(Instant.EPOCH.plusSeconds(2));
            assertThat(state.lastError()).isEmpty();
            assertThat(state.consecutiveFailures()).isZero();
        });
    }

    @Test
    void theSharedConnectedFutureCannotBeOverwritten() {
        s.start();
        FakeConnection c = s.connectTo("a");
        CompletableFuture<FakeConnection> shared = s.connection().connected();

        assertThat(shared.complete(new FakeConnection("other"))).isFalse();
        try {
            shared.obtrudeValue(new FakeConnection("other"));
        } catch (UnsupportedOperationException expected) {
            // refused
        }
        assertThat(s.connection().connected()).isCompletedWithValue(c);
    }

    @Test
    void theConnectionIsCurrentBeforeConnectedIsDeliveredAndWaitersRunAfterIt() {
        s.hold(Connected.class).start();
        CompletableFuture<String> seenByWaiter =
                s.connection().connected().thenApply(c -> String.join(",", s.events()));
        FakeConnection c = s.connectTo("a");

        assertThat(s.connection().currentConnection()).contains(c);
        assertThat(seenByWaiter)
                .as("the slot is visible before waiters run; Connected already delivered")
                .isCompletedWithValue("Attempting_to_connect,(Obtained_address a),(Connected <opaque>)");
    }

    @Test
    void aClosedConnectionStaysCurrentUntilTheLoopSeesItCloseAndConnectedWaitsForTheNextOne() {
        s.hold(Connected.class).start();
        FakeConnection first = s.connectTo("a");
        first.peerClose(); // closed while the Connected handler still runs

        assertThat(s.connection().currentConnection())
                .as("may return a closed connection")
                .contains(first);
        CompletableFuture<FakeConnection> next = s.connection().connected();
        assertThat(next).isNotDone();
        assertThat(s.connection().connectedOrFailedToConnect()).isNotDone();

        s.releaseHandler();
        assertThat(s.connection().currentConnection()).isEmpty();
        assertThat(s.connection().state().phase()).isEqualTo(Phase.DISCONNECTED);
        s.advance(ConnectionScenario.DELAY);
        FakeConnection second = s.connectTo("a");

        assertThat(next).isCompletedWithValue(second);
    }

    @Test
    void afterCloseNothingIsEverConnectedAgain() {
        s.start();
        s.connectTo("a");
        s.connection().close();

        assertThat(s.connection().isClosed()).isTrue();
        assertThat(s.connection().connected()).isNotDone();
        assertThat(ConnectionScenario.failure(s.connection().connectedOrFailedToConnect()))
                .isInstanceOf(PersistentConnectionClosedException.class);
        assertThat(s.connection().currentConnection()).isEmpty();
        assertThat(s.connection().state().phase()).isEqualTo(Phase.CLOSED);
        assertThat(s.connection().toString()).contains("test server", "CLOSED");
    }

    @Test
    void connectedOrFailedToConnectPrefersALiveConnectionOverAPendingAbort() {
        s.start();
        FakeConnection c = s.connectTo("a");
        s.context().abort(new RuntimeException("stop"));

        assertThat(s.connection().connectedOrFailedToConnect()).isCompletedWithValue(c);
        c.peerClose();
        assertThat(ConnectionScenario.failure(s.connection().connectedOrFailedToConnect()))
                .hasMessage("stop");
    }

    @Test
    void theConnectContextCountsConsecutiveFailuresAndASuccessResetsIt() {
        s.start();
        s.addressFails("E1");
        s.advance(ConnectionScenario.DELAY);
        s.address("a");
        assertThat(s.context().consecutiveUnsuccessfulAttemptsSoFar()).isEqualTo(1);
        s.connectFails("E2");
        s.advance(ConnectionScenario.DELAY);
        s.address("a");
        assertThat(s.context().consecutiveUnsuccessfulAttemptsSoFar()).isEqualTo(2);
        FakeConnection c = s.connectSucceeds();
        assertThat(s.context().consecutiveUnsuccessfulAttemptsSoFar()).isZero();
        c.peerClose();
        s.advance(ConnectionScenario.DELAY);
        s.address("a");
        assertThat(s.context().consecutiveUnsuccessfulAttemptsSoFar())
                .as("not reset by a disconnection")
                .isZero();
    }
}
