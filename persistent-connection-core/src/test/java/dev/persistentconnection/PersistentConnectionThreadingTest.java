package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The threading contract with real threads: stages completed by pool threads, peer closes from foreign threads and
 * concurrent callers never make two steps of one connection run at once, and nothing is lost.
 */
class PersistentConnectionThreadingTest {

    @Test
    @Timeout(60)
    void stepsNeverOverlapWhateverThreadsCompleteTheStages() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger cycles = new AtomicInteger();
        List<FakeConnection> connections = new CopyOnWriteArrayList<>();
        List<String> events = new CopyOnWriteArrayList<>();
        int targetCycles = 300;
        try {
            PersistentConnection<String, FakeConnection> connection =
                    PersistentConnection.<String, FakeConnection>builder(
                                    "threads",
                                    () -> guarded(
                                            inside, overlaps, () -> CompletableFuture.supplyAsync(() -> "a", pool)),
                                    (address, ctx) -> guarded(
                                            inside,
                                            overlaps,
                                            () -> CompletableFuture.supplyAsync(
                                                    () -> {
                                                        FakeConnection c = new FakeConnection("c" + connections.size());
                                                        connections.add(c);
                                                        return c;
                                                    },
                                                    pool)),
                                    FakeConnection.lifecycle())
                            .retryDelay(Duration.ZERO)
                            .randomization(Randomization.nonRandom())
                            .onEvent(event -> guarded(inside, overlaps, () -> {
                                events.add(event.name());
                                if (event instanceof ConnectionEvent.Connected<String, FakeConnection> connected
                                        && cycles.incrementAndGet() < targetCycles) {
                                    pool.execute(connected.connection()::peerClose); // the peer goes away
                                }
                                return CompletableFuture.completedFuture(null);
                            }))
                            .build();

            for (int i = 0; i < 2; i++) {
                pool.execute(() -> {
                    for (int j = 0; j < 20_000 && cycles.get() < targetCycles; j++) {
                        connection.connected();
                        connection.currentConnection();
                        connection.state();
                    }
                });
            }
            while (cycles.get() < targetCycles) {
                connection.connected().get(10, TimeUnit.SECONDS);
                Thread.onSpinWait();
            }
            connection.closeAsync().get(10, TimeUnit.SECONDS);

            assertThat(overlaps).as("two steps ran at once").hasValue(0);
            assertThat(connections).allSatisfy(c -> assertThat(c.isClosed()).isTrue());
            assertThat(connections).allSatisfy(c -> assertThat(c.closeCalls()).isLessThanOrEqualTo(1));
            assertThat(events.stream().filter("Connected"::equals).count())
                    .isEqualTo(events.stream().filter("Disconnected"::equals).count());
            assertThat(events.get(events.size() - 1)).isEqualTo("Disconnected");
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static <T> T guarded(AtomicInteger inside, AtomicInteger overlaps, java.util.function.Supplier<T> body) {
        if (inside.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
        }
        try {
            return body.get();
        } finally {
            inside.decrementAndGet();
        }
    }
}
