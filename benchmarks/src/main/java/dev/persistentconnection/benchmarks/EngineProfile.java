package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.VirtualTimeSource;
import dev.persistentconnection.test.FakeConnection;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import jdk.jfr.Recording;

/**
 * Where one engine cycle (the loop of {@link EngineCycleBenchmark#cycle()}) spends its time and its bytes: JFR
 * execution samples at a 1 ms period over a few seconds of cycles, and an exact allocation count per class from two
 * {@code GC.class_histogram -all} snapshots (dead objects included) around 20,000 cycles without a GC in between.
 */
final class EngineProfile {
    private static final Duration RETRY_DELAY = Duration.ofMillis(1);

    private VirtualTimeSource time;
    private PersistentConnection<String, FakeConnection> connection;
    private FakeConnection current;

    private EngineProfile() {
        time = new VirtualTimeSource();
        connection = PersistentConnection.builder(
                        "bench",
                        AddressSuppliers.fixed("fake"),
                        (address, context) -> {
                            current = new FakeConnection("bench");
                            return CompletableFuture.completedFuture(current);
                        },
                        FakeConnection.lifecycle())
                .timeSource(time)
                .retryDelay(RETRY_DELAY)
                .randomization(Randomization.nonRandom())
                .build();
    }

    private void cycles(long count) {
        for (long i = 0; i < count; i++) {
            current.peerClose();
            time.advanceBy(RETRY_DELAY);
        }
    }

    static void profile(Results out) throws Exception {
        EngineProfile engine = new EngineProfile();
        long warm = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warm) {
            engine.cycles(10_000);
        }
        out.line("Time: JFR execution samples at a 1 ms period over 3 s of cycles on one thread (after 3 s of "
                + "warm-up), out of the JMH harness:");
        out.line("");
        Path jfr = Files.createTempFile("bench-cycle", ".jfr");
        try {
            long cycles = 0;
            long start;
            long elapsed;
            try (Recording recording = new Recording()) {
                recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
                recording.start();
                start = System.nanoTime();
                long end = start + 3_000_000_000L;
                while (System.nanoTime() < end) {
                    engine.cycles(1000);
                    cycles += 1000;
                }
                elapsed = System.nanoTime() - start;
                recording.stop();
                recording.dump(jfr);
            }
            String thread = Thread.currentThread().getName();
            out.line("%.0f ns per cycle while sampled.", elapsed / (double) cycles);
            out.line("");
            JfrSummary.read(jfr, name -> name.equals(thread)).markdown(15).forEach(out::line);
        } finally {
            Files.deleteIfExists(jfr);
        }
        out.line("");
        int n = 20_000;
        Map<String, long[]> diff = null;
        for (int attempt = 0; attempt < 5 && diff == null; attempt++) {
            long gcs = gcCount();
            Map<String, long[]> before = ClassHistogram.take(true);
            engine.cycles(n);
            Map<String, long[]> after = ClassHistogram.take(true);
            if (gcCount() == gcs) {
                diff = ClassHistogram.diff(before, after);
            }
        }
        if (diff == null) {
            out.line("(no allocation count: a GC ran during every attempt)");
            return;
        }
        // Lambda classes are merged by the class that defines them; rows under half an object per cycle (the
        // histogram's own output, mostly) are left out of the table and of the total.
        Map<String, long[]> merged = new HashMap<>();
        for (Map.Entry<String, long[]> e : diff.entrySet()) {
            if (e.getValue()[0] * 2 < n) {
                continue;
            }
            String name = e.getKey().replaceAll("\\$\\$Lambda.*$", "\\$\\$Lambda");
            long[] row = merged.computeIfAbsent(name, k -> new long[3]);
            row[0] += e.getValue()[0];
            row[1] += e.getValue()[1];
            row[2]++;
        }
        List<Map.Entry<String, long[]>> entries = new ArrayList<>(merged.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        long total = 0;
        for (Map.Entry<String, long[]> e : entries) {
            total += e.getValue()[1];
        }
        out.line(
                "Bytes: every object allocated in %,d cycles (class histograms with `-all` before and after, no GC "
                        + "in between): %.0f B per cycle.",
                n, total / (double) n);
        out.line("");
        out.line("| class | objects per cycle | bytes per cycle |");
        out.line("| --- | ---: | ---: |");
        for (Map.Entry<String, long[]> e : entries) {
            String name =
                    e.getKey() + (e.getValue()[2] > 1 ? Results.fmt(" (%d lambda classes)", e.getValue()[2]) : "");
            out.line("| `%s` | %.2f | %.1f |", name, e.getValue()[0] / (double) n, e.getValue()[1] / (double) n);
        }
        out.line("");
        engine.connection.close();
    }

    private static long gcCount() {
        long count = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }
}
