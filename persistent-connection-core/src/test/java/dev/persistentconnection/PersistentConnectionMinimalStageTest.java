package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Callbacks may return any {@link CompletionStage}, including {@link CompletableFuture#minimalCompletionStage()},
 * whose {@code isDone()} throws {@code UnsupportedOperationException}: the engine must only ask a stage what the
 * {@code CompletionStage} interface promises.
 */
class PersistentConnectionMinimalStageTest {

    static final class Session {
        final CompletableFuture<Void> closed = new CompletableFuture<>();
    }

    private static <T> CompletionStage<T> minimal(T value) {
        return CompletableFuture.completedFuture(value).minimalCompletionStage();
    }

    @Test
    void minimalStagesFromEveryCallbackDriveACompleteCycle() {
        VirtualTimeSource time = new VirtualTimeSource();
        List<String> events = new CopyOnWriteArrayList<>();
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        PersistentConnection<String, Session> connection = PersistentConnection.<String, Session>builder(
                        "minimal",
                        () -> minimal("a"),
                        (address, context) -> minimal(new Session()),
                        ConnectionLifecycle.of(
                                session -> {
                                    session.closed.complete(null);
                                    return session.closed.minimalCompletionStage();
                                },
                                session -> session.closed.isDone(),
                                session -> session.closed.minimalCompletionStage()))
                .timeSource(time)
                .retryDelay(Duration.ofSeconds(1))
                .randomization(Randomization.nonRandom())
                .onEvent(event -> {
                    events.add(event.name());
                    return minimal(null);
                })
                .uncaughtHandler(uncaught::add)
                .build();

        CompletableFuture<Session> connected = connection.connected();
        assertThat(connected).as("connected on minimal stages").isCompleted();
        Session first = connected.join();
        first.closed.complete(null); // the peer goes away; the next attempt is 1 s after the first began
        time.advanceBy(Duration.ofSeconds(1));
        CompletableFuture<Session> reconnected = connection.connected();
        assertThat(reconnected).as("reconnected on minimal stages").isCompleted();
        Session second = reconnected.join();
        connection.close();

        assertThat(second).isNotSameAs(first);
        assertThat(second.closed).isCompleted();
        assertThat(connection.isClosed()).isTrue();
        assertThat(uncaught).isEmpty();
        assertThat(events)
                .containsExactly(
                        "Attempting_to_connect",
                        "Obtained_address",
                        "Connected",
                        "Disconnected",
                        "Attempting_to_connect",
                        "Obtained_address",
                        "Connected",
                        "Disconnected");
    }
}
