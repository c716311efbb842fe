package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/SEMANTICS.md §2, delivery: last-value replay, subscribers before the handler, throwing subscribers isolated. */
class PersistentConnectionEventBusTest {

    private final ConnectionScenario s = new ConnectionScenario().start();

    @Test
    void aNewSubscriberGetsTheLastEventAtOnceThenEveryEvent() throws Exception {
        List<String> seen = new ArrayList<>();
        AutoCloseable subscription = s.connection().subscribe(event -> seen.add(event.toString()));

        assertThat(seen).containsExactly("Attempting_to_connect");
        s.connectTo("a");
        assertThat(seen).containsExactly("Attempting_to_connect", "(Obtained_address a)", "(Connected <opaque>)");

        subscription.close();
        s.connection().close();
        assertThat(seen).hasSize(3);
    }

    @Test
    void subscribersRunBeforeTheEventHandler() {
        List<String> order = new ArrayList<>();
        s.connection()
                .subscribe(event -> order.add(
                        "bus " + event.name() + " handler saw " + s.events().size()));
        s.address("a");

        assertThat(order)
                .containsExactly("bus Attempting_to_connect handler saw 1", "bus Obtained_address handler saw 1");
    }

    @Test
    void aThrowingSubscriberIsIsolated() {
        List<String> seen = new ArrayList<>();
        s.connection().subscribe(event -> {
            throw new IllegalStateException("subscriber bug");
        });
        s.connection().subscribe(event -> seen.add(event.name()));
        FakeConnection c = s.connectTo("a");

        assertThat(seen).containsExactly("Attempting_to_connect", "Obtained_address", "Connected");
        assertThat(s.connection().currentConnection()).contains(c);
        assertThat(s.uncaught()).isNotEmpty().allSatisfy(e -> assertThat(e).hasMessage("subscriber bug"));
    }
}
