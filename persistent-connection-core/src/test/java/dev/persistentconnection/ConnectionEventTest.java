package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.System.Logger.Level;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConnectionEventTest {

    /** A connection whose own toString must not leak into the event's. */
    private static final Object CONNECTION = new Object() {
        @Override
        public String toString() {
            return "secret-connection";
        }
    };

    private static final ConnectionEvent<String, Object> ATTEMPTING = new ConnectionEvent.AttemptingToConnect<>();
    private static final ConnectionEvent<String, Object> OBTAINED =
            new ConnectionEvent.ObtainedAddress<>("localhost:7000");
    private static final ConnectionEvent<String, Object> FAILED =
            new ConnectionEvent.FailedToConnect<>(new RuntimeException("boom"));
    private static final ConnectionEvent<String, Object> CONNECTED = new ConnectionEvent.Connected<>(CONNECTION);
    private static final ConnectionEvent<String, Object> DISCONNECTED = new ConnectionEvent.Disconnected<>();

    @Test
    void toStringGivesTheTextForm() {
        assertThat(ATTEMPTING).hasToString("Attempting_to_connect");
        assertThat(OBTAINED).hasToString("(Obtained_address localhost:7000)");
        assertThat(FAILED).hasToString("(Failed_to_connect boom)");
        assertThat(CONNECTED).hasToString("(Connected <opaque>)");
        assertThat(DISCONNECTED).hasToString("Disconnected");
    }

    @Test
    void failedToConnectWithoutAMessageShowsTheErrorClassName() {
        assertThat(new ConnectionEvent.FailedToConnect<String, Object>(new IllegalStateException()))
                .hasToString("(Failed_to_connect java.lang.IllegalStateException)");
        assertThat(new ConnectionEvent.FailedToConnect<String, Object>(new RuntimeException((String) null)))
                .hasToString("(Failed_to_connect java.lang.RuntimeException)");
    }

    @Test
    void connectedDoesNotShowTheConnection() {
        assertThat(CONNECTED.toString()).doesNotContain("secret-connection");
    }

    @Test
    void obtainedAddressUsesTheAddressToString() {
        assertThat(new ConnectionEvent.ObtainedAddress<Integer, Object>(42)).hasToString("(Obtained_address 42)");
    }

    @Test
    void logLevelIsErrorForFailedToConnectAndInfoOtherwise() {
        assertThat(FAILED.logLevel()).isEqualTo(Level.ERROR);
        assertThat(ATTEMPTING.logLevel()).isEqualTo(Level.INFO);
        assertThat(OBTAINED.logLevel()).isEqualTo(Level.INFO);
        assertThat(CONNECTED.logLevel()).isEqualTo(Level.INFO);
        assertThat(DISCONNECTED.logLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void nameGivesTheEventNames() {
        assertThat(ATTEMPTING.name()).isEqualTo("Attempting_to_connect");
        assertThat(OBTAINED.name()).isEqualTo("Obtained_address");
        assertThat(FAILED.name()).isEqualTo("Failed_to_connect");
        assertThat(CONNECTED.name()).isEqualTo("Connected");
        assertThat(DISCONNECTED.name()).isEqualTo("Disconnected");
    }

    @Test
    void recordsCompareEqualByValue() {
        assertThat(new ConnectionEvent.AttemptingToConnect<String, Object>())
                .isEqualTo(new ConnectionEvent.AttemptingToConnect<String, Object>())
                .hasSameHashCodeAs(new ConnectionEvent.AttemptingToConnect<String, Object>());
        assertThat(new ConnectionEvent.Disconnected<String, Object>())
                .isEqualTo(new ConnectionEvent.Disconnected<String, Object>());
        assertThat(OBTAINED)
                .isEqualTo(new ConnectionEvent.ObtainedAddress<String, Object>("localhost:7000"))
                .hasSameHashCodeAs(new ConnectionEvent.ObtainedAddress<String, Object>("localhost:7000"))
                .isNotEqualTo(new ConnectionEvent.ObtainedAddress<String, Object>("localhost:7001"));
        assertThat(CONNECTED).isEqualTo(new ConnectionEvent.Connected<String, Object>(CONNECTION));
        RuntimeException error = new RuntimeException("boom");
        assertThat(new ConnectionEvent.FailedToConnect<String, Object>(error))
                .isEqualTo(new ConnectionEvent.FailedToConnect<String, Object>(error));
    }

    @Test
    void differentKindsAreNeverEqual() {
        List<ConnectionEvent<String, Object>> all = List.of(ATTEMPTING, OBTAINED, FAILED, CONNECTED, DISCONNECTED);
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < all.size(); j++) {
                if (i != j) {
                    assertThat(all.get(i)).isNotEqualTo(all.get(j));
                }
            }
        }
    }

    @Test
    void recordComponentsAreExposed() {
        RuntimeException error = new RuntimeException("boom");
        assertThat(new ConnectionEvent.ObtainedAddress<String, Object>("h:1").address())
                .isEqualTo("h:1");
        assertThat(new ConnectionEvent.FailedToConnect<String, Object>(error).error())
                .isSameAs(error);
        assertThat(new ConnectionEvent.Connected<String, Object>(CONNECTION).connection())
                .isSameAs(CONNECTION);
    }

    @Test
    void failedToConnectRequiresAnError() {
        assertThatThrownBy(() -> new ConnectionEvent.FailedToConnect<String, Object>(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void theInterfaceIsSealedToTheFiveEvents() {
        assertThat(ConnectionEvent.class.isSealed()).isTrue();
        assertThat(ConnectionEvent.class.getPermittedSubclasses())
                .containsExactlyInAnyOrder(
                        ConnectionEvent.AttemptingToConnect.class,
                        ConnectionEvent.ObtainedAddress.class,
                        ConnectionEvent.FailedToConnect.class,
                        ConnectionEvent.Connected.class,
                        ConnectionEvent.Disconnected.class);
        assertThat(ConnectionEvent.AttemptingToConnect.class.isRecord()).isTrue();
    }
}
