package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.VirtualTimeSource;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.Optional;
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
 * Target 1: {@code connected()} and {@code currentConnection()} while connected, against a plain volatile read of a
 * field holding the same kind of value (the floor for any thread-safe accessor).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessorBenchmark {

    private PersistentConnection<String, FakeConnection> connection;
    private volatile CompletableFuture<FakeConnection> volatileField;
    private volatile FakeConnection volatileConnection;

    @Setup(Level.Trial)
    public void connect() {
        VirtualTimeSource time = new VirtualTimeSource();
        FakeConnection fake = new FakeConnection("bench");
        connection = PersistentConnection.builder(
                        "bench",
                        AddressSuppliers.fixed("fake"),
                        (address, context) -> CompletableFuture.completedFuture(fake),
                        FakeConnection.lifecycle())
                .timeSource(time)
                .retryDelay(Duration.ofSeconds(1))
                .randomization(Randomization.nonRandom())
                .build();
        if (connection.currentConnection().isEmpty()) {
            throw new IllegalStateException("not connected after build with completed stages");
        }
        volatileField = CompletableFuture.completedFuture(fake);
        volatileConnection = fake;
    }

    @TearDown(Level.Trial)
    public void close() {
        connection.close();
    }

    /** The floor: one volatile read returning a reference. */
    @Benchmark
    public CompletableFuture<FakeConnection> volatileRead() {
        return volatileField;
    }

    /** The least a closed-aware accessor does: read the connection, then its volatile closed flag. */
    @Benchmark
    public FakeConnection volatileReadThenFlag() {
        FakeConnection c = volatileConnection;
        return c.isClosed() ? null : c;
    }

    @Benchmark
    public CompletableFuture<FakeConnection> connected() {
        return connection.connected();
    }

    @Benchmark
    public Optional<FakeConnection> currentConnection() {
        return connection.currentConnection();
    }
}
