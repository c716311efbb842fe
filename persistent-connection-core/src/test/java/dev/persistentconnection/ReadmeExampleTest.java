package dev.persistentconnection;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's core quick start, word for word, so that the example keeps working. */
class ReadmeExampleTest {

    /** A stand-in for your connection type: anything that can be closed and watched. */
    static final class Session {
        final String address;
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        Session(String address) { this.address = address; }
    }

    @Test
    void quickStart() {
        ConnectionLifecycle<Session> lifecycle = new ConnectionLifecycle<>() {
            public CompletionStage<Void> close(Session s) { s.closed.complete(null); return s.closed; }
            public boolean isClosed(Session s) { return s.closed.isDone(); }
            public CompletionStage<Void> closeFinished(Session s) { return s.closed; }
        };

        PersistentConnection<String, Session> connection = PersistentConnection.<String, Session>builder("quotes")
                .addressSupplier(AddressSuppliers.roundRobin(List.of("replica-1:7000", "replica-2:7000")))
                .connector((address, context) -> CompletableFuture.completedFuture(new Session(address)))
                .lifecycle(lifecycle)
                .onEvent(event -> {
                    System.out.println(event);   // Attempting_to_connect, (Obtained_address replica-1:7000), (Connected <opaque>)
                    return CompletableFuture.completedFuture(null);   // the engine waits for this stage
                })
                .retryDelay(Duration.ofSeconds(2))                     // ±30 % jitter by default
                .build();

        Session session = connection.connected().join();              // replica-1:7000
        session.closed.complete(null);                                 // the peer goes away: Disconnected, then a new
                                                               // cycle 2 s after the last attempt began
        Session next = connection.connected().join();                  // Attempting_to_connect ... replica-2:7000
        connection.close();                                            // closes it; no reconnect

        assertThat(session.address).isEqualTo("replica-1:7000");
        assertThat(next.address).isEqualTo("replica-2:7000");
        assertThat(next.closed).isCompleted();
        assertThat(connection.isClosed()).isTrue();
    }
}
