package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.test.FakeConnection;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Target 3: 10,000 persistent connections held connected to fake connections, with the default (system) time source.
 * Retained heap per connection from the used heap after forced full GCs (run with {@code -XX:+UseSerialGC}, whose
 * used-after-GC is exact), cross-checked with a class histogram (the {@code GC.class_histogram} diagnostic command,
 * in process), before and after; threads from {@link ThreadMXBean}. Measured twice: right after connecting (each
 * connection's first retry timer is still pending) and once those timers have fired (steady state).
 */
public final class ScaleMain {
    static final int N = 10_000;
    static final Duration RETRY_DELAY = Duration.ofMillis(500);

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "3-scale");
        int rounds = Integer.parseInt(Results.option(args, "--rounds", "3"));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        double[] transientPer = new double[rounds];
        double[] steadyPer = new double[rounds];
        double[] histogramPer = new double[rounds];
        int[] threadsAdded = new int[rounds];
        Map<String, long[]> histogramDiff = null;
        for (int round = 0; round < rounds; round++) {
            FakeConnection[] fakes = new FakeConnection[N];
            for (int i = 0; i < N; i++) {
                fakes[i] = new FakeConnection("bench");
            }
            List<PersistentConnection<String, FakeConnection>> connections = new ArrayList<>(N);
            int threadsBefore = threads.getThreadCount();
            long before = usedAfterGc(memory);
            Map<String, long[]> histogramBefore = ClassHistogram.take(false);
            for (int i = 0; i < N; i++) {
                FakeConnection fake = fakes[i];
                connections.add(PersistentConnection.builder(
                                "server-" + (i % 16),
                                AddressSuppliers.fixed("fake"),
                                (address, context) -> CompletableFuture.completedFuture(fake),
                                FakeConnection.lifecycle())
                        .retryDelay(RETRY_DELAY)
                        .build());
            }
            for (PersistentConnection<String, FakeConnection> c : connections) {
                if (c.currentConnection().isEmpty()) {
                    throw new IllegalStateException("not connected: " + c);
                }
            }
            long transientUsed = usedAfterGc(memory);
            Results.sleep(RETRY_DELAY.toMillis() * 13 / 10 + 300); // every first retry timer has fired
            long steady = usedAfterGc(memory);
            Map<String, long[]> histogramAfter = ClassHistogram.take(false);
            int threadsAfter = threads.getThreadCount();
            transientPer[round] = (transientUsed - before) / (double) N;
            steadyPer[round] = (steady - before) / (double) N;
            histogramDiff = ClassHistogram.diff(histogramBefore, histogramAfter);
            histogramPer[round] =
                    histogramDiff.values().stream().mapToLong(v -> v[1]).sum() / (double) N;
            threadsAdded[round] = threadsAfter - threadsBefore;
            System.out.printf(
                    "round %d: transient %.0f B, steady %.0f B, histogram %.0f B per connection, "
                            + "threads %d -> %d%n",
                    round, transientPer[round], steadyPer[round], histogramPer[round], threadsBefore, threadsAfter);
            for (PersistentConnection<String, FakeConnection> c : connections) {
                c.closeAsync();
            }
            for (PersistentConnection<String, FakeConnection> c : connections) {
                c.closeFinished().get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            connections.clear();
            java.util.Arrays.fill(fakes, null);
        }

        out.line("## 3. Scale: %,d persistent connections held connected", N);
        out.line("");
        out.line(
                "Fake connections (created before the first measurement, so not counted), default time source "
                        + "(`TimeSource.system()`), retry delay %d ms, default randomization (a `Random` per connection). "
                        + "JVM `-XX:+UseSerialGC -Xmx1g`; the live objects of every class (`GC.class_histogram`, which runs "
                        + "a full GC) and the used heap after `System.gc()`, before and after. "
                        + "%d rounds; median (min .. max).",
                RETRY_DELAY.toMillis(), rounds);
        out.line("");
        out.line("| measure | per connection |");
        out.line("| --- | ---: |");
        out.line(
                "| retained heap, steady (first retry timers fired): class histogram after a full GC | %s B |",
                Results.spread(histogramPer, "%.0f"));
        out.line(
                "| same, from the used heap after `System.gc()` (MemoryMXBean; noisier) | %s B |",
                Results.spread(steadyPer, "%.0f"));
        out.line(
                "| retained heap right after connecting (retry timer pending) | %s B |",
                Results.spread(transientPer, "%.0f"));
        int laterThreads = 0;
        for (int r = 1; r < rounds; r++) {
            laterThreads = Math.max(laterThreads, threadsAdded[r]);
        }
        out.line(
                "| threads added for all %,d, first round (the JVM-wide timer thread, started by the first "
                        + "connection) | %d in total |",
                N, threadsAdded[0]);
        out.line("| threads added for all %,d, later rounds (max) | %d in total |", N, laterThreads);
        out.line("");
        out.line("Where the steady-state bytes go (class histogram, last round, per connection):");
        out.line("");
        out.line("| class | instances per connection | bytes per connection |");
        out.line("| --- | ---: | ---: |");
        List<Map.Entry<String, long[]>> entries = new ArrayList<>(histogramDiff.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        for (Map.Entry<String, long[]> e : entries.subList(0, Math.min(14, entries.size()))) {
            out.line("| `%s` | %.2f | %.1f |", e.getKey(), e.getValue()[0] / (double) N, e.getValue()[1] / (double) N);
        }
        out.line("");
        long[] fired = histogramDiff.get("java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask");
        if (fired != null && fired[0] >= 0.9 * N) {
            out.line(
                    "Note: one `ScheduledFutureTask` per connection stays reachable after its timer fired: the "
                            + "engine keeps the current attempt's `RetryTimer` (it needs `fired` after a disconnection), and "
                            + "that keeps the timer's `Cancellable`, which captures the `ScheduledFuture` (%.0f B with the "
                            + "lambda). Dropping the handle once the timer fires would save that.",
                    (fired[1] + 16.0 * fired[0]) / N);
            out.line("");
        }
        double steadyMedian = Results.median(histogramPer);
        int threadsTotal = Math.max(threadsAdded[0], laterThreads);
        boolean met = steadyMedian < 2048 && threadsTotal <= 1;
        out.target(
                "3",
                "under 2 KB per connection, 0 threads per connection",
                Results.fmt(
                        "%.0f B per connection (%.0f B while the first retry timer is pending); %d thread "
                                + "for all %,d",
                        steadyMedian, Results.median(transientPer), threadsTotal, N),
                met,
                met ? "" : Results.fmt("missed by %.0f B", steadyMedian - 2048));
        out.write();
        System.exit(0);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
