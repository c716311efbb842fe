package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.VirtualTimeSource;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Target 2: one full cycle of the engine with completed stages and a {@link VirtualTimeSource}. Each operation: the
 * peer closes the connection (Disconnected), virtual time moves past the retry delay (the retry timer fires), and
 * the next attempt runs (AttemptingToConnect, ObtainedAddress, Connected) — every step on the benchmark thread. The
 * connector hands out a new {@link FakeConnection} per attempt; {@link #fakeConnectionOnly()} measures that
 * allocation alone so it can be told apart from the engine's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EngineCycleBenchmark {
    private static final Duration RETRY_DELAY = Duration.ofMillis(1);

    private VirtualTimeSource time;
    private PersistentConnection<String, FakeConnection> connection;
    private FakeConnection current;
    private long connects;
    private long cycles;

    @Setup(Level.Trial)
    public void connect() {
        time = new VirtualTimeSource();
        connection = PersistentConnection.builder(
                        "bench",
                        AddressSuppliers.fixed("fake"),
                        (address, context) -> {
                            connects++;
                            current = new FakeConnection("bench");
                            return CompletableFuture.completedFuture(current);
                        },
                        FakeConnection.lifecycle())
                .timeSource(time)
                .retryDelay(RETRY_DELAY)
                .randomization(Randomization.nonRandom())
                .build();
        if (connection.currentConnection().isEmpty()) {
            throw new IllegalStateException("not connected after build with completed stages");
        }
        connects = 1;
        cycles = 0;
    }

    @TearDown(Level.Trial)
    public void check() {
        if (connects != cycles + 1 || connection.currentConnection().orElse(null) != current) {
            throw new IllegalStateException(
                    "the engine did not reconnect once per cycle: " + connects + " connects for " + cycles + " cycles");
        }
        connection.close();
    }

    /** Disconnected, retry timer, AttemptingToConnect, ObtainedAddress, Connected. */
    @Benchmark
    public FakeConnection cycle() {
        current.peerClose();
        time.advanceBy(RETRY_DELAY);
        cycles++;
        return current;
    }

    /**
     * The benchmark connector's own allocation per cycle (a FakeConnection, its close future and the completed stage
     * it returns), to tell it apart from the engine's.
     */
    @Benchmark
    public CompletableFuture<FakeConnection> fakeConnectionOnly() {
        return CompletableFuture.completedFuture(new FakeConnection("bench"));
    }
}
