package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's "Living through outages" example, word for word, against a server that is down. */
@Timeout(30)
class ReadmeOutagesExampleTest {

    /** A stand-in connection whose server is down: every connect is refused, without touching the network. */
    static final class Session {
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        static CompletionStage<Session> connect(InetSocketAddress address, ConnectContext context) {
            return CompletableFuture.failedFuture(new ConnectException("connection refused"));
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
    void outages() {
        PersistentConnection<InetSocketAddress, Session> connection = PersistentConnection.builder(
                        "quotes",
                        AddressSuppliers.dns("localhost", 7000), // every A/AAAA record, looked up at every attempt
                        Session::connect,
                        ConnectionLifecycle.of(Session::close, Session::isClosed, Session::closeFinished))
                .backoff(Backoff.decorrelatedJitter(Duration.ofMillis(100), Duration.ofSeconds(30), new Random()))
                .randomization(Randomization.nonRandom()) // decorrelated jitter is random already
                .reconnectJitter(Duration.ofSeconds(1)) // after a drop, reconnect within a random 0..1 s
                .build();

        NotConnectedException seen = null;
        try {
            Session session = connection.connectedWithin(Duration.ofMillis(500)).join();
            fail("connected to a server that is down: " + session);
        } catch (CompletionException failed) {
            NotConnectedException why = (NotConnectedException) failed.getCause();
            System.out.println(why.getMessage()); // not connected to quotes within PT0.5S: WAITING_TO_RETRY,
            // 3 consecutive failed attempts, last attempt at ..., next attempt
            // at ..., last error: java.net.ConnectException: connection refused
            seen = why;
        }
        ConnectionState state = connection.state();
        System.out.println(
                state.nextAttemptAt() + " " + state.outageDuration()); // when the next try is; down for how long
        connection.retryNow(); // the server is back: skip the rest of the wait

        assertThat(seen.serverName()).isEqualTo("quotes");
        assertThat(seen.getCause()).isInstanceOf(ConnectException.class);
        assertThat(seen.consecutiveFailures()).isPositive();
        assertThat(seen.lastAttemptAt()).isPresent();
        assertThat(state.outageDuration()).isPresent();
        connection.close();
    }
}
