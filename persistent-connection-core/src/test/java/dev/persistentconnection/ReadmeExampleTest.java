package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The README's core quick start, word for word, so that the example keeps working. */
class ReadmeExampleTest {

    /** A stand-in for your connection type: anything that can be closed and watched. */
    static final class Session {
        final String address;
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        Session(String address) {
            this.address = address;
        }

        CompletableFuture<Void> close() {
            closed.complete(null);
            return closed;
        }

        boolean isClosed() {
            return closed.isDone();
        }

        CompletableFuture<Void> closeFinished() {
            return closed;
        }
    }

    @Test
    void quickStart() {
        PersistentConnection<String, Session> connection = PersistentConnection.builder(
                        "quotes",
                        AddressSuppliers.roundRobin(List.of("replica-1:7000", "replica-2:7000")),
                        (address, context) -> CompletableFuture.completedFuture(new Session(address)),
                        ConnectionLifecycle.of(Session::close, Session::isClosed, Session::closeFinished))
                .onEvent(event -> {
                    System.out.println(
                            event); // Attempting_to_connect, (Obtained_address replica-1:7000), (Connected <opaque>)
                    return CompletableFuture.completedFuture(null); // the engine waits for this stage
                })
                .retryDelay(Duration.ofSeconds(2)) // ±30 % jitter by default
                .build();

        Session session = connection.connected().join(); // replica-1:7000
        session.closed.complete(null); // the peer goes away: Disconnected, then a new
        // cycle 2 s after the last attempt began
        Session next = connection.connected().join(); // Attempting_to_connect ... replica-2:7000
        connection.close(); // closes it; no reconnect

        assertThat(session.address).isEqualTo("replica-1:7000");
        assertThat(next.address).isEqualTo("replica-2:7000");
        assertThat(next.closed).isCompleted();
        assertThat(connection.isClosed()).isTrue();
    }
}
