package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Target 5: 1,000 persistent connections (default ±30 % randomization) to one {@link TaskServer}; the server is
 * stopped and a new one started on the same port. Reports the time until all are connected again, and the connect
 * attempts per 100 ms (sliding) window: the retries after a failed attempt, which the jitter spreads, against the
 * uniform mean over the jitter window; and, separately, the immediate reconnects of connections that lived longer
 * than the retry delay (the reference reconnects those at once, so they are not spread).
 */
public final class HerdMain {
    static final int N = 1000;
    static final Duration RETRY_DELAY = Duration.ofSeconds(2);
    static final double JITTER = 0.3;
    static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(100);

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "5-herd");
        int rounds = Integer.parseInt(Results.option(args, "--rounds", "3"));
        int n = Integer.parseInt(Results.option(args, "--connections", String.valueOf(N)));
        long maxDownMillis = Long.parseLong(Results.option(args, "--max-down-ms", "1300"));

        int capacity = 50 * n * (rounds + 1);
        long[] attemptAt = new long[capacity];
        boolean[] attemptIsRetry = new boolean[capacity];
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger connectedEvents = new AtomicInteger();
        AtomicInteger failedEvents = new AtomicInteger();
        long[] lastConnectedAt = new long[1];

        TaskServer server = newServer(0, n).start();
        int port = server.port();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        TaskConnector connector = TaskClients.connector(TaskClientOptions.defaults());
        List<PersistentConnection<InetSocketAddress, TaskClient>> connections = new ArrayList<>(n);
        double[] allBackMs = new double[rounds];
        double[] downMs = new double[rounds];
        double[] peakRetries = new double[rounds];
        double[] meanRetries = new double[rounds];
        double[] retryCounts = new double[rounds];
        double[] immediateCounts = new double[rounds];
        double[] peakAll = new double[rounds];
        double[] stopMs = new double[rounds];
        double[] failedCounts = new double[rounds];
        try {
            for (int i = 0; i < n; i++) {
                connections.add(PersistentConnection.builder(
                                "herd-" + i,
                                AddressSuppliers.fixed(address),
                                (a, context) -> {
                                    int index = attempts.getAndIncrement();
                                    if (index < capacity) {
                                        attemptAt[index] = System.nanoTime();
                                        attemptIsRetry[index] = context.consecutiveUnsuccessfulAttemptsSoFar() > 0;
                                    }
                                    return connector.connect(a, context);
                                },
                                TaskClients.lifecycle())
                        .retryDelay(RETRY_DELAY)
                        .build());
                connections.get(i).subscribe(event -> {
                    if (event instanceof ConnectionEvent.FailedToConnect) {
                        failedEvents.incrementAndGet();
                    } else if (event instanceof ConnectionEvent.Connected) {
                        connectedEvents.incrementAndGet();
                        synchronized (lastConnectedAt) {
                            lastConnectedAt[0] = System.nanoTime();
                        }
                    }
                });
            }
            waitUntil(() -> connectedEvents.get() >= n, 30_000, "initial connections");
            for (int round = 0; round < rounds; round++) {
                // Long-lived connections: older than the largest randomized retry delay.
                Results.sleep((long) (RETRY_DELAY.toMillis() * (1 + JITTER)) + 200);
                waitUntil(() -> allConnected(connections), 10_000, "all connected before the restart");
                int firstAttempt = Math.min(attempts.get(), capacity);
                connectedEvents.set(0);
                failedEvents.set(0);
                long start = System.nanoTime();
                server.stop();
                long stopped = System.nanoTime();
                // Down until every connection has failed an attempt (or at most maxDownMillis, before the first
                // randomized retry can come): the whole herd then goes through the randomized retry.
                long downUntil = start + TimeUnit.MILLISECONDS.toNanos(maxDownMillis);
                while (failedEvents.get() < n && System.nanoTime() < downUntil) {
                    Results.sleep(1);
                }
                int failedBeforeRestart = failedEvents.get();
                server = newServer(port, n).start();
                long restarted = System.nanoTime();
                waitUntil(() -> connectedEvents.get() >= n, 20_000, "reconnection after the restart");
                long allBack;
                synchronized (lastConnectedAt) {
                    allBack = lastConnectedAt[0];
                }
                int lastAttempt = Math.min(attempts.get(), capacity);
                allBackMs[round] = (allBack - start) / 1e6;
                downMs[round] = (restarted - start) / 1e6;
                stopMs[round] = (stopped - start) / 1e6;
                failedCounts[round] = failedBeforeRestart;
                long[] retries = select(attemptAt, attemptIsRetry, firstAttempt, lastAttempt, true);
                long[] immediate = select(attemptAt, attemptIsRetry, firstAttempt, lastAttempt, false);
                long[] all = Arrays.copyOfRange(attemptAt, firstAttempt, lastAttempt);
                Arrays.sort(all);
                if (Results.flag(args, "--debug")) {
                    System.out.println("immediate: " + buckets(immediate, start));
                    System.out.println("retries:   " + buckets(retries, start));
                }
                retryCounts[round] = retries.length;
                immediateCounts[round] = immediate.length;
                peakRetries[round] = slidingMax(retries);
                // The jitter window of a delay s with fraction f is 2 f s wide: [s (1 - f), s (1 + f)].
                meanRetries[round] = retries.length / (2 * JITTER * RETRY_DELAY.toNanos() / (double) WINDOW);
                peakAll[round] = slidingMax(all);
                System.out.printf(
                        "round %d: down %.0f ms, all back after %.0f ms, %d immediate + %d retries, "
                                + "peak retries %d per 100 ms (mean %.1f), peak of all attempts %d%n",
                        round,
                        downMs[round],
                        allBackMs[round],
                        immediate.length,
                        retries.length,
                        (long) peakRetries[round],
                        meanRetries[round],
                        (long) peakAll[round]);
            }
        } finally {
            for (PersistentConnection<InetSocketAddress, TaskClient> c : connections) {
                c.closeAsync();
            }
            for (PersistentConnection<InetSocketAddress, TaskClient> c : connections) {
                try {
                    c.closeFinished().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    System.err.println("close not finished: " + c);
                }
            }
            connector.close();
            server.stop();
        }

        double limitMs = RETRY_DELAY.toMillis() * (1 + JITTER) + 1000;
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = peakRetries[r] / meanRetries[r];
        }
        out.line("## 5. Thundering herd: %,d persistent connections, server restarted", n);
        out.line("");
        out.line(
                "One `TaskServer` (same JVM, limit raised to %,d clients), %,d `PersistentConnection`s sharing one "
                        + "`TaskConnector` (one I/O thread), retry delay %d ms with the default ±%.0f %% randomization. "
                        + "Each round the connections first live longer than the largest randomized delay, then the server "
                        + "is stopped, and a new one is started on the same port once every connection has failed an "
                        + "attempt (at most %d ms after the stop began, before any randomized retry is due), so that the "
                        + "whole herd goes through the randomized retry. %d rounds; median (min .. max).",
                2 * n, n, RETRY_DELAY.toMillis(), JITTER * 100, maxDownMillis, rounds);
        out.line("");
        out.line("| measure | value |");
        out.line("| --- | ---: |");
        out.line("| `TaskServer.stop()` with %,d clients | %s ms |", n, Results.spread(stopMs, "%.0f"));
        out.line("| server down (stop, until all failed once, start) | %s ms |", Results.spread(downMs, "%.0f"));
        out.line(
                "| connections that had failed an attempt when the server came back | %s |",
                Results.spread(failedCounts, "%.0f"));
        out.line("| time until all %,d are `Connected` again | %s ms |", n, Results.spread(allBackMs, "%.0f"));
        out.line("| limit: 1.3 x retry delay + 1 s | %.0f ms |", limitMs);
        out.line(
                "| immediate reconnects (first attempt after a long-lived connection, not randomized) | %s |",
                Results.spread(immediateCounts, "%.0f"));
        out.line("| retries (attempts after a failed attempt, randomized) | %s |", Results.spread(retryCounts, "%.0f"));
        out.line(
                "| uniform mean of retries per 100 ms over the %.1f s jitter window | %s |",
                2 * JITTER * RETRY_DELAY.toMillis() / 1000.0, Results.spread(meanRetries, "%.1f"));
        out.line("| peak retries in any 100 ms window | %s |", Results.spread(peakRetries, "%.0f"));
        out.line("| peak / mean | %s |", Results.spread(ratio, "%.2f"));
        out.line(
                "| peak of all attempts in any 100 ms window (the immediate reconnects included) | %s |",
                Results.spread(peakAll, "%.0f"));
        out.line("");
        out.line("The immediate reconnects follow the stop as fast as the clients see their connections close: a "
                + "connection that lived "
                + "longer than the retry delay is retried at once, as in the reference (`Persistent_connection_kernel`"
                + " waits for the retry timer of the attempt that made the connection, long fired by then). They "
                + "fail while the server is down, and only the retries after them are randomized. The target's "
                + "peak is taken over the randomized retries.");
        out.line("");
        double allBack = Results.median(allBackMs);
        double peakRatio = Results.median(ratio);
        boolean met = allBack <= limitMs && peakRatio < 1.5;
        String how = "";
        if (allBack > limitMs) {
            how += Results.fmt("all back %.0f ms after the limit; ", allBack - limitMs);
        }
        if (peakRatio >= 1.5) {
            how += Results.fmt("peak %.2fx the mean (limit 1.5x)", peakRatio);
        }
        out.target(
                "5",
                "all back within 1.3 x retry delay + 1 s; peak under 1.5 x the uniform mean",
                Results.fmt(
                        "all back in %.0f ms (limit %.0f ms); peak %.0f retries per 100 ms = %.2fx the mean "
                                + "%.1f (all attempts incl. %.0f immediate reconnects: peak %.0f)",
                        allBack,
                        limitMs,
                        Results.median(peakRetries),
                        peakRatio,
                        Results.median(meanRetries),
                        Results.median(immediateCounts),
                        Results.median(peakAll)),
                met,
                how);
        reconnectJitter(out, rounds, n);
        out.write();
        System.exit(0);
    }

    static final Duration RECONNECT_JITTER = Duration.ofSeconds(1);

    /**
     * Part 5b: the immediate reconnects themselves, with {@code reconnectJitter} of 1 s against without. Each round
     * the connections live longer than the largest randomized retry delay, the server is stopped and a new one
     * started on the same port at once; the first attempt of every connection after its drop is an immediate
     * reconnect (without jitter all in the same instant, as in the reference; with it uniform over the window).
     */
    private static void reconnectJitter(Results out, int rounds, int n) throws Exception {
        Duration[] windows = {Duration.ZERO, RECONNECT_JITTER};
        double[][] peak = new double[2][rounds];
        double[][] mean = new double[2][rounds];
        double[][] immediateCounts = new double[2][rounds];
        double[][] allBack = new double[2][rounds];
        for (int config = 0; config < 2; config++) {
            Duration window = windows[config];
            int capacity = 50 * n * (rounds + 1);
            long[] attemptAt = new long[capacity];
            boolean[] attemptIsRetry = new boolean[capacity];
            AtomicInteger attempts = new AtomicInteger();
            AtomicInteger connectedEvents = new AtomicInteger();
            long[] lastConnectedAt = new long[1];
            TaskServer server = newServer(0, n).start();
            int port = server.port();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            TaskConnector connector = TaskClients.connector(TaskClientOptions.defaults());
            List<PersistentConnection<InetSocketAddress, TaskClient>> connections = new ArrayList<>(n);
            try {
                for (int i = 0; i < n; i++) {
                    PersistentConnection.Builder<InetSocketAddress, TaskClient> builder = PersistentConnection.builder(
                                    "jitter-" + i,
                                    AddressSuppliers.fixed(address),
                                    (a, context) -> {
                                        int index = attempts.getAndIncrement();
                                        if (index < capacity) {
                                            attemptAt[index] = System.nanoTime();
                                            attemptIsRetry[index] = context.consecutiveUnsuccessfulAttemptsSoFar() > 0;
                                        }
                                        return connector.connect(a, context);
                                    },
                                    TaskClients.lifecycle())
                            .retryDelay(RETRY_DELAY);
                    if (!window.isZero()) {
                        builder.reconnectJitter(window);
                    }
                    connections.add(builder.build());
                    connections.get(i).subscribe(event -> {
                        if (event instanceof ConnectionEvent.Connected) {
                            connectedEvents.incrementAndGet();
                            synchronized (lastConnectedAt) {
                                lastConnectedAt[0] = System.nanoTime();
                            }
                        }
                    });
                }
                waitUntil(() -> connectedEvents.get() >= n, 30_000, "initial connections");
                for (int round = 0; round < rounds; round++) {
                    Results.sleep((long) (RETRY_DELAY.toMillis() * (1 + JITTER)) + 200);
                    waitUntil(() -> allConnected(connections), 10_000, "all connected before the restart");
                    int firstAttempt = Math.min(attempts.get(), capacity);
                    connectedEvents.set(0);
                    long start = System.nanoTime();
                    server.stop();
                    server = newServer(port, n).start();
                    waitUntil(() -> connectedEvents.get() >= n, 20_000, "reconnection after the restart");
                    long back;
                    synchronized (lastConnectedAt) {
                        back = lastConnectedAt[0];
                    }
                    int lastAttempt = Math.min(attempts.get(), capacity);
                    long[] immediate = select(attemptAt, attemptIsRetry, firstAttempt, lastAttempt, false);
                    immediateCounts[config][round] = immediate.length;
                    peak[config][round] = slidingMax(immediate);
                    mean[config][round] =
                            window.isZero() ? Double.NaN : immediate.length / (window.toNanos() / (double) WINDOW);
                    allBack[config][round] = (back - start) / 1e6;
                    System.out.printf(
                            "reconnect jitter %s, round %d: %d immediate reconnects, peak %d per 100 ms, "
                                    + "all back after %.0f ms%n",
                            window, round, immediate.length, (long) peak[config][round], allBack[config][round]);
                }
            } finally {
                for (PersistentConnection<InetSocketAddress, TaskClient> c : connections) {
                    c.closeAsync();
                }
                for (PersistentConnection<InetSocketAddress, TaskClient> c : connections) {
                    try {
                        c.closeFinished().get(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        System.err.println("close not finished: " + c);
                    }
                }
                connector.close();
                server.stop();
            }
        }
        double limitMs = RECONNECT_JITTER.toMillis() + RETRY_DELAY.toMillis() * (1 + JITTER) + 1000;
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = peak[1][r] / mean[1][r];
        }
        out.line("");
        out.line(
                "### 5b. Immediate reconnects with `reconnectJitter` of %d s against without",
                RECONNECT_JITTER.toSeconds());
        out.line("");
        out.line(
                "The same %,d connections and server, the server stopped and a new one started on the same port at "
                        + "once (no wait for failures), after the connections lived longer than the largest randomized retry "
                        + "delay: every connection's first attempt after its drop is an immediate reconnect. Without jitter "
                        + "the reference reconnects them all at once; with `Builder.reconnectJitter(1 s)` each waits a "
                        + "random time in [0, 1 s]. %d rounds each; median (min .. max).",
                n, rounds);
        out.line("");
        out.line("| measure | without jitter | reconnect jitter %d s |", RECONNECT_JITTER.toSeconds());
        out.line("| --- | ---: | ---: |");
        out.line(
                "| immediate reconnects | %s | %s |",
                Results.spread(immediateCounts[0], "%.0f"), Results.spread(immediateCounts[1], "%.0f"));
        out.line(
                "| peak immediate reconnects in any 100 ms window | %s | %s |",
                Results.spread(peak[0], "%.0f"), Results.spread(peak[1], "%.0f"));
        out.line("| uniform mean per 100 ms over the window | | %s |", Results.spread(mean[1], "%.1f"));
        out.line("| peak / mean | | %s |", Results.spread(ratio, "%.2f"));
        out.line(
                "| time until all %,d are `Connected` again | %s ms | %s ms |",
                n, Results.spread(allBack[0], "%.0f"), Results.spread(allBack[1], "%.0f"));
        out.line("| limit: window + 1.3 x retry delay + 1 s | | %.0f ms |", limitMs);
        out.line("");
        double back = Results.median(allBack[1]);
        double peakRatio = Results.median(ratio);
        boolean met = back <= limitMs && peakRatio < 1.5;
        String how = "";
        if (back > limitMs) {
            how += Results.fmt("all back %.0f ms after the limit; ", back - limitMs);
        }
        if (peakRatio >= 1.5) {
            how += Results.fmt("peak %.2fx the mean (limit 1.5x)", peakRatio);
        }
        out.target(
                "5b",
                "reconnect jitter 1 s: peak immediate reconnects under 1.5 x the uniform mean, all back "
                        + "within window + 1.3 x retry delay + 1 s",
                Results.fmt(
                        "peak %.0f per 100 ms = %.2fx the mean %.1f "
                                + "(without jitter: peak %.0f); all back in %.0f ms (limit %.0f ms)",
                        Results.median(peak[1]),
                        peakRatio,
                        Results.median(mean[1]),
                        Results.median(peak[0]),
                        back,
                        limitMs),
                met,
                how);
    }

    private static TaskServer newServer(int port, int n) {
        return TaskServer.builder()
                .port(port)
                .maxClients(2 * n)
                .maxClientsPerAddress(2 * n)
                .build()
                .register(1, TaskHandler.of(payload -> payload), "echo");
    }

    private static boolean allConnected(List<PersistentConnection<InetSocketAddress, TaskClient>> connections) {
        for (PersistentConnection<InetSocketAddress, TaskClient> c : connections) {
            if (c.currentConnection().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static long[] select(long[] at, boolean[] isRetry, int from, int to, boolean retries) {
        long[] selected = new long[to - from];
        int count = 0;
        for (int i = from; i < to; i++) {
            if (isRetry[i] == retries) {
                selected[count++] = at[i];
            }
        }
        long[] result = Arrays.copyOf(selected, count);
        Arrays.sort(result);
        return result;
    }

    private static String buckets(long[] sorted, long start) {
        java.util.TreeMap<Long, Integer> map = new java.util.TreeMap<>();
        for (long t : sorted) {
            map.merge((t - start) / WINDOW * 100, 1, Integer::sum);
        }
        return map.toString();
    }

    /** The most timestamps in any window [t, t + 100 ms). */
    private static int slidingMax(long[] sorted) {
        int best = 0;
        int end = 0;
        for (int start = 0; start < sorted.length; start++) {
            while (end < sorted.length && sorted[end] < sorted[start] + WINDOW) {
                end++;
            }
            best = Math.max(best, end - start);
        }
        return best;
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, long timeoutMillis, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeoutMillis + " ms waiting for " + what);
            }
            Results.sleep(5);
        }
    }
}
