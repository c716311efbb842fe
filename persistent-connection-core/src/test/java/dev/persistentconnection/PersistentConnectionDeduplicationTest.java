package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** docs/SEMANTICS.md §5: Obtained_address and Failed_to_connect are reported only when they change within a cycle. */
class PersistentConnectionDeduplicationTest {

    private final ConnectionScenario s = new ConnectionScenario().start();

    private void failConnectTo(String address, String error) {
        s.address(address);
        s.connectFails(error);
        s.advance(ConnectionScenario.DELAY);
    }

    @Test
    void errorsAreComparedWithTheImmediatelyPreviousErrorOnly() {
        failConnectTo("a", "E1");
        failConnectTo("a", "E1");
        failConnectTo("a", "E2");
        failConnectTo("a", "E1");

        s.assertEvents(
                "Attempting_to_connect",
                "(Obtained_address a)",
                "(Failed_to_connect E1)",
                "(Failed_to_connect E2)",
                "(Failed_to_connect E1)");
    }

    @Test
    void theSameAddressIsReportedOncePerCycleAndAChangeIsReported() {
        failConnectTo("a", "E1");
        failConnectTo("a", "E2");
        failConnectTo("b", "E2");
        failConnectTo("a", "E2");

        s.assertEvents(
                "Attempting_to_connect",
                "(Obtained_address a)",
                "(Failed_to_connect E1)",
                "(Failed_to_connect E2)",
                "(Obtained_address b)",
                "(Obtained_address a)");
    }

    @Test
    void addressAndConnectFailuresShareOneMemory() {
        s.addressFails("E1");
        s.advance(ConnectionScenario.DELAY);
        failConnectTo("a", "E1");

        s.assertEvents("Attempting_to_connect", "(Failed_to_connect E1)", "(Obtained_address a)");
    }

    @Test
    void aFailedLookupDoesNotResetTheAddressMemoryNorASuccessfulOneTheErrorMemory() {
        failConnectTo("a", "E1");
        s.addressFails("E1");
        s.advance(ConnectionScenario.DELAY);
        failConnectTo("a", "E1");

        s.assertEvents("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect E1)");
    }

    @Test
    void bothMemoriesAreResetAtEachAttemptingToConnect() {
        failConnectTo("a", "E1");
        FakeConnection c = s.connectTo("a");
        c.peerClose();
        s.advance(ConnectionScenario.DELAY);
        failConnectTo("a", "E1");

        s.assertEvents(
                "Attempting_to_connect",
                "(Obtained_address a)",
                "(Failed_to_connect E1)",
                "(Connected <opaque>)",
                "Disconnected",
                "Attempting_to_connect",
                "(Obtained_address a)",
                "(Failed_to_connect E1)");
    }

    @Test
    void suppressedFailuresStillCountAndStillResolveConnectedOrFailedToConnect() {
        failConnectTo("a", "E1");
        var waiter = s.connection().connectedOrFailedToConnect();
        failConnectTo("a", "E1");

        assertThat(ConnectionScenario.failure(waiter)).hasMessage("E1");
        assertThat(s.context().consecutiveUnsuccessfulAttemptsSoFar()).isEqualTo(2);
        assertThat(s.connection().state().consecutiveFailures()).isEqualTo(2);
        assertThat(s.events()).hasSize(3);
    }

    @Test
    void customEqualitiesDecideWhatIsTheSame() {
        ConnectionScenario custom = new ConnectionScenario()
                .start(b -> b.addressEquality((x, y) -> x.equalsIgnoreCase(y)).errorEquality((x, y) -> true));
        custom.address("host");
        custom.connectFails("E1");
        custom.advance(ConnectionScenario.DELAY);
        custom.address("HOST");
        custom.connectFails("E2");
        custom.advance(Duration.ofSeconds(1));

        custom.assertEvents("Attempting_to_connect", "(Obtained_address host)", "(Failed_to_connect E1)");
    }
}
