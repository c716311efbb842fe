package dev.persistentconnection.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.ConnectionEvent;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The scenario's own promises; the engine's behaviour is tested in the core with this same class. */
class ConnectionScenarioTest {

    @Test
    void theFirstEventIsRecordedWhenStartReturnsAndNothingElseHappensUntilTheTestActs() {
        ConnectionScenario s = new ConnectionScenario().start();
        s.assertEvents("Attempting_to_connect");
        assertThat(s.addressCalls()).isEqualTo(1);
        assertThat(s.retryDelayCalls()).isEqualTo(1);
        assertThat(s.connects()).isEmpty();
    }

    @Test
    void aHeldHandlerHoldsTheEngineUntilReleased() {
        ConnectionScenario s =
                new ConnectionScenario().hold(ConnectionEvent.Connected.class).start();
        FakeConnection c = s.connectTo("a");
        assertThat(s.heldHandlers()).hasSize(1);
        c.peerClose();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)");
        s.releaseHandler();
        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)", "Disconnected");
    }

    @Test
    void actingOnSomethingThatIsNotPendingFailsClearly() {
        ConnectionScenario s = new ConnectionScenario().start();
        assertThatThrownBy(s::connectSucceeds)
                .isInstanceOf(AssertionError.class)
                .hasMessage("expected a pending connect, there is none");
        assertThatThrownBy(s::releaseHandler).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> s.assertEvents("Connected")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> new ConnectionScenario().connection()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void failureUnwrapsAFailedFuture() {
        IllegalStateException cause = new IllegalStateException("x");
        assertThat(ConnectionScenario.failure(CompletableFuture.failedFuture(cause)))
                .isSameAs(cause);
        assertThatThrownBy(() -> ConnectionScenario.failure(new CompletableFuture<>()))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void aSlowCloseFinishesWhenTheTestSaysSo() {
        ConnectionScenario s = new ConnectionScenario().start();
        FakeConnection c = s.connectTo("a").closeSlowly();
        s.connection().closeAsync();
        assertThat(c.isClosed()).isTrue();
        assertThat(c.closeCalls()).isEqualTo(1);
        assertThat(s.connection().closeFinished()).isNotDone();
        c.finishClose();
        assertThat(s.connection().closeFinished()).isCompleted();
    }
}
