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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** docs/SEMANTICS.md §8: close() in each phase, with no abort. One test per row of the table. */
class PersistentConnectionCloseTest {

    private final ConnectionScenario s = new ConnectionScenario();

    @Test
    void closeRightAfterBuildWaitsForTheAttemptingHandlerAndNeverLooksUpTheAddress() {
        s.hold(AttemptingToConnect.class).start();
        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(s.connection().isClosed()).isTrue();
        assertThat(closed).isNotDone();
        s.releaseHandler();

        assertThat(closed).isCompleted();
        assertThat(s.addressCalls()).isEqualTo(0);
        s.assertEvents("Attempting_to_connect");
        assertClosedForGood();
    }

    @Test
    void closeDuringGetAddressThatSucceedsStillReportsTheAddressAndConnects() {
        s.start();
        CompletableFuture<Void> closed = s.connection().closeAsync();
        s.address("a");

        assertThat(s.connectAddresses()).containsExactly("a");
        assertThat(closed).isNotDone();
        FakeConnection c = s.connectSucceeds();

        assertThat(c.closeCalls()).isEqualTo(1);
        assertThat(closed).isCompleted();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertClosedForGood();
    }

    @Test
    void closeDuringGetAddressThatFailsReportsTheFailureThenTerminates() {
        s.start();
        CompletableFuture<Void> closed = s.connection().closeAsync();
        s.addressFails("no address");

        assertThat(closed).isCompleted();
        assertThat(s.connects()).isEmpty();
        s.assertEvents("Attempting_to_connect", "(Failed_to_connect no address)");
        assertClosedForGood();
    }

    @Test
    void closeInsideTheObtainedAddressHandlerStillConnects() {
        s.hold(ObtainedAddress.class).start();
        s.address("a");
        CompletableFuture<Void> closed = s.connection().closeAsync();
        s.releaseHandler();

        assertThat(s.connectAddresses()).containsExactly("a");
        s.connectFails("refused");

        assertThat(closed).isCompleted();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect refused)");
        assertClosedForGood();
    }

    @Test
    void closeDuringAConnectThatSucceedsInstallsAnnouncesAndClosesTheConnection() {
        s.start();
        s.address("a");
        CompletableFuture<FakeConnection> pendingConnected = s.connection().connected();
        CompletableFuture<FakeConnection> pendingResult = s.connection().connectedOrFailedToConnect();
        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(pendingResult).isCompletedExceptionally();
        assertThat(ConnectionScenario.failure(pendingResult))
                .isInstanceOf(PersistentConnectionClosedException.class)
                .hasMessage("Persistent connection closed");
        FakeConnection c = s.connectSucceeds();

        assertThat(pendingConnected).isCompletedWithValue(c);
        assertThat(c.closeCalls()).isEqualTo(1);
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertThat(closed).isCompleted();
        assertThat(s.time().pendingTimers())
                .as("the loop ends without waiting for the delay")
                .isZero();
        assertClosedForGood();
    }

    @Test
    void closeDuringAConnectThatFailsReportsTheFailureThenTerminates() {
        s.start();
        s.address("a");
        CompletableFuture<Void> closed = s.connection().closeAsync();
        s.connectFails("refused");

        assertThat(closed).isCompleted();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect refused)");
        assertClosedForGood();
    }

    @Test
    void closeInsideTheFailedToConnectHandlerTerminatesWithoutAnotherAttempt() {
        s.hold(FailedToConnect.class).start();
        s.addressFails("down");
        CompletableFuture<Void> closed = s.connection().closeAsync();
        assertThat(closed).isNotDone();
        s.releaseHandler();

        assertThat(closed).isCompleted();
        s.advance(Duration.ofMinutes(1));
        assertThat(s.addressCalls()).isEqualTo(1);
        s.assertEvents("Attempting_to_connect", "(Failed_to_connect down)");
        assertClosedForGood();
    }

    @Test
    void closeWhileWaitingForTheRetryTimerTerminatesAtOnce() {
        s.start();
        s.addressFails("down");
        assertThat(s.time().pendingTimers()).isEqualTo(1);

        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(closed).as("no time has to pass").isCompleted();
        assertThat(s.time().pendingTimers()).isZero();
        s.advance(Duration.ofMinutes(1));
        assertThat(s.addressCalls()).isEqualTo(1);
        assertClosedForGood();
    }

    @Test
    void closeWhileConnectedClosesTheConnectionAndDoesNotReconnect() {
        s.start();
        FakeConnection c = s.connectTo("a");
        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(c.closeCalls()).as("closed synchronously inside close()").isEqualTo(1);
        assertThat(closed).isCompleted();
        s.advance(Duration.ofMinutes(1));
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertClosedForGood();
    }

    @Test
    void closeInsideTheConnectedHandlerDisconnectsOnceTheHandlerIsDone() {
        s.hold(Connected.class).start();
        FakeConnection c = s.connectTo("a");
        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(c.closeCalls()).isEqualTo(1);
        assertThat(s.events()).doesNotContain("Disconnected");
        s.releaseHandler();

        assertThat(closed).isCompleted();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertClosedForGood();
    }

    @Test
    void closeInsideTheDisconnectedHandlerWaitsForItThenTerminatesWithoutAttempting() {
        s.hold(Disconnected.class).start();
        FakeConnection c = s.connectTo("a");
        c.peerClose();
        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(closed).isNotDone();
        s.releaseHandler();

        assertThat(closed).isCompleted();
        s.advance(Duration.ofMinutes(1));
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertClosedForGood();
    }

    @Test
    void closeWhileWaitingForTheDelayAfterADisconnectionTerminatesAtOnce() {
        s.start();
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofSeconds(2));
        c.peerClose();
        assertThat(s.time().pendingTimers()).as("the rest of the delay").isEqualTo(1);

        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(closed).isCompleted();
        assertThat(s.time().pendingTimers()).isZero();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertClosedForGood();
    }

    @Test
    void closeAfterTerminationReturnsTheFinishedClose() {
        s.start();
        s.addressFails("down");
        s.connection().close();
        CompletableFuture<Void> again = s.connection().closeAsync();

        assertThat(again).isCompleted();
        assertThat(s.connection().closeFinished()).isCompleted();
        s.assertEvents("Attempting_to_connect", "(Failed_to_connect down)");
    }

    @Test
    void closeWaitsForAnAddressLookupThatIsInFlight() {
        s.start();
        CompletableFuture<Void> closed = s.connection().closeAsync();
        s.advance(Duration.ofHours(1));

        assertThat(closed)
                .as("faithful: close waits for the callbacks in flight")
                .isNotDone();
        s.addressFails("down");
        assertThat(closed).isCompleted();
    }

    @Test
    void closeWaitsForTheConnectionToFinishClosing() {
        s.start();
        FakeConnection c = s.connectTo("a");
        c.closeSlowly();
        CompletableFuture<Void> closed = s.connection().closeAsync();

        assertThat(closed).isNotDone();
        assertThat(s.connection().closeFinished()).isNotDone();
        c.finishClose();

        assertThat(closed).isCompleted();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
    }

    @Test
    void closeNeverClosesAConnectionTwice() {
        s.start();
        FakeConnection c = s.connectTo("a");
        s.connection().closeAsync();
        s.connection().closeAsync();
        s.connection().close();

        assertThat(c.closeCalls()).isEqualTo(1);
    }

    @Test
    void blockingCloseFromInsideAnEventHandlerFailsClearlyInsteadOfDeadlocking() {
        s.start(b -> b.onEvent(event -> {
            if (event instanceof ConnectionEvent.Connected<String, FakeConnection>) {
                s.connection().close();
            }
            return CompletableFuture.completedFuture(null);
        }));
        FakeConnection c = s.connectTo("a");

        assertThat(s.uncaught())
                .singleElement()
                .satisfies(e ->
                        assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("closeAsync()"));
        assertThat(c.closeCalls()).as("the close still happened").isEqualTo(1);
        assertThat(s.connection().closeFinished()).isCompleted();
    }

    /** After a close: closed, never connected again, no connection, no timer, the closed error. */
    private void assertClosedForGood() {
        assertThat(s.connection().isClosed()).isTrue();
        assertThat(s.connection().closeFinished()).isCompleted();
        assertThat(s.connection().currentConnection()).isEmpty();
        assertThat(s.connection().connected()).isNotDone();
        assertThat(ConnectionScenario.failure(s.connection().connectedOrFailedToConnect()))
                .isInstanceOf(PersistentConnectionClosedException.class);
        assertThat(s.connection().state().phase()).isEqualTo(ConnectionState.Phase.CLOSED);
        assertThat(s.time().pendingTimers()).isZero();
        int events = s.events().size();
        s.advance(Duration.ofMinutes(5));
        assertThat(s.events()).as("nothing happens after termination").hasSize(events);
        assertThat(s.addressLookups()).as("no lookup left pending").isEmpty();
        assertThat(s.uncaught()).isEmpty();
    }
}
