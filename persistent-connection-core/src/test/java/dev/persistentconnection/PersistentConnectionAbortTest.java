package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.ConnectionEvent.AttemptingToConnect;
import dev.persistentconnection.ConnectionEvent.Disconnected;
import dev.persistentconnection.ConnectionEvent.FailedToConnect;
import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** docs/SEMANTICS.md §9: an abort (ConnectContext.abort or closeWhenCurrentConnectionIsClosed) in each phase. */
class PersistentConnectionAbortTest {

    private final ConnectionScenario s = new ConnectionScenario();
    private final RuntimeException fatal = new RuntimeException("wrong credentials");

    @Test
    void abortInsideTheAttemptingHandlerTerminatesWithoutLookingUpTheAddress() {
        s.hold(AttemptingToConnect.class).start();
        s.connection().closeWhenCurrentConnectionIsClosed();
        s.releaseHandler();

        assertThat(s.addressCalls()).isEqualTo(0);
        s.assertEvents("Attempting_to_connect");
        assertAbortedWith(PersistentConnectionClosedException.class);
    }

    @Test
    void abortDuringGetAddressThatSucceedsStillConnectsThenClosesTheConnectionWithoutConnected() {
        s.start();
        s.connection().closeWhenCurrentConnectionIsClosed();
        s.address("a");
        FakeConnection c = s.connectSucceeds();

        assertThat(c.closeCalls()).as("closed, never announced").isEqualTo(1);
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)");
        assertAbortedWith(PersistentConnectionClosedException.class);
    }

    @Test
    void abortDuringGetAddressThatFailsReportsTheFailureThenTerminates() {
        s.start();
        s.connection().closeWhenCurrentConnectionIsClosed();
        s.addressFails("down");

        s.assertEvents("Attempting_to_connect", "(Failed_to_connect down)");
        assertAbortedWith(PersistentConnectionClosedException.class);
    }

    @Test
    void abortFromInsideConnectResolvesWaitersAtOnceAndAConnectThatFailsTerminates() {
        s.start();
        CompletableFuture<FakeConnection> waiter = s.connection().connectedOrFailedToConnect();
        s.address("a");
        s.context().abort(fatal);

        assertThat(ConnectionScenario.failure(waiter)).isSameAs(fatal);
        s.connectFails("refused");

        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect refused)");
        assertAbortedWith(fatal);
    }

    @Test
    void abortDuringAConnectThatSucceedsClosesTheConnectionWithNoConnectedAndKeepsTheCounter() {
        s.start();
        s.addressFails("down");
        s.advance(ConnectionScenario.DELAY);
        s.address("a");
        s.context().abort(fatal);
        FakeConnection c = s.connectSucceeds();

        assertThat(c.closeCalls()).isEqualTo(1);
        assertThat(s.context().consecutiveUnsuccessfulAttemptsSoFar())
                .as("not reset by an aborted success")
                .isEqualTo(1);
        s.assertEvents("Attempting_to_connect", "(Failed_to_connect down)", "(Obtained_address a)");
        assertAbortedWith(fatal);
    }

    @Test
    void abortInsideTheFailedToConnectHandlerTerminatesOnceTheHandlerIsDone() {
        s.hold(FailedToConnect.class).start();
        s.address("a");
        s.connectFails("refused");
        s.context().abort(fatal);
        assertThat(s.connection().closeFinished()).isNotDone();
        s.releaseHandler();

        assertAbortedWith(fatal);
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect refused)");
    }

    @Test
    void abortWhileWaitingForTheRetryTimerTerminatesAtOnce() {
        s.start();
        s.address("a");
        s.connectFails("refused");
        s.context().abort(fatal);

        assertAbortedWith(fatal);
        assertThat(s.addressCalls()).isEqualTo(1);
    }

    @Test
    void abortWhileConnectedLeavesTheConnectionAloneThenTerminatesWhenItCloses() {
        s.start();
        FakeConnection c = s.connectTo("a");
        s.connection().closeWhenCurrentConnectionIsClosed();

        assertThat(c.closeCalls()).as("the live connection is not touched").isZero();
        assertThat(s.connection().connectedOrFailedToConnect()).isCompletedWithValue(c);
        assertThat(s.connection().currentConnection()).contains(c);
        assertThat(s.connection().closeFinished()).isNotDone();

        c.peerClose();

        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
        assertThat(s.time().pendingTimers()).as("no wait for the delay").isZero();
        assertAbortedWith(PersistentConnectionClosedException.class);
    }

    @Test
    void abortInsideTheDisconnectedHandlerTerminatesWhenTheHandlerIsDone() {
        s.hold(Disconnected.class).start();
        FakeConnection c = s.connectTo("a");
        c.peerClose();
        s.context().abort(fatal);
        assertThat(s.connection().closeFinished()).isNotDone();
        s.releaseHandler();

        assertAbortedWith(fatal);
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
    }

    @Test
    void abortWhileWaitingForTheDelayAfterADisconnectionTerminatesAtOnce() {
        s.start();
        FakeConnection c = s.connectTo("a");
        c.peerClose();
        assertThat(s.time().pendingTimers()).isEqualTo(1);
        s.context().abort(fatal);

        assertAbortedWith(fatal);
    }

    @Test
    void theFirstAbortWins() {
        s.start();
        s.address("a");
        s.context().abort(fatal);
        s.context().abort(new RuntimeException("later"));
        s.connection().closeWhenCurrentConnectionIsClosed();
        s.connectFails("refused");

        assertAbortedWith(fatal);
    }

    @Test
    void aFatalConnectExceptionAbortsWithItself() {
        s.start();
        s.address("a");
        FatalConnectException refused = new FatalConnectException("unsupported protocol version");
        s.connects().poll().completeExceptionally(refused);

        s.assertEvents(
                "Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect unsupported protocol version)");
        assertAbortedWith(refused);
    }

    @Test
    void closeAndAbortDuringAConnectThatSucceedsLetCloseWin() {
        // docs/SEMANTICS.md §11.1: left open by the reference (its close never completes); here close wins and
        // completes.
        s.start();
        s.address("a");
        s.context().abort(fatal);
        CompletableFuture<Void> closed = s.connection().closeAsync();
        FakeConnection c = s.connectSucceeds();

        assertThat(c.closeCalls()).isEqualTo(1);
        assertThat(closed).isCompleted();
        assertThat(s.connection().currentConnection()).isEmpty();
        assertThat(s.time().pendingTimers()).isZero();
    }

    private void assertAbortedWith(Class<? extends Throwable> type) {
        assertTerminated();
        assertThat(ConnectionScenario.failure(s.connection().connectedOrFailedToConnect()))
                .isInstanceOf(type);
    }

    private void assertAbortedWith(Throwable error) {
        assertTerminated();
        assertThat(ConnectionScenario.failure(s.connection().connectedOrFailedToConnect()))
                .isSameAs(error);
    }

    private void assertTerminated() {
        assertThat(s.connection().isClosed()).isTrue();
        assertThat(s.connection().closeFinished()).isCompleted();
        assertThat(s.connection().closeAsync()).as("close returns at once").isCompleted();
        assertThat(s.connection().connected()).isNotDone();
        assertThat(s.connection().currentConnection()).isEmpty();
        assertThat(s.time().pendingTimers()).isZero();
        int events = s.events().size();
        s.advance(Duration.ofMinutes(5));
        assertThat(s.events()).as("nothing after termination").hasSize(events);
        assertThat(s.uncaught()).isEmpty();
    }
}
