package dev.persistentconnection.faults.hostile;

import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Well-behaved clients on 127.0.0.1 whose service is measured: {@link #CLIENTS} connections, each keeping
 * {@link #DEPTH} small echo tasks in flight (a new one as each answer arrives), and a newcomer that connects,
 * runs one task and disconnects every 50 ms (a refused or failed newcomer is a good client refused). Latencies are
 * recorded per measurement window.
 */
final class GoodClients implements AutoCloseable {
    static final int CLIENTS = 4;
    static final int DEPTH = 4;
    static final int ECHO = 1;
    private static final byte[] PAYLOAD = new byte[64];

    /** What one window measured. */
    record Window(
            double seconds,
            long tasks,
            long failures,
            long p50Micros,
            long p99Micros,
            long newcomers,
            long newcomersRefused,
            List<String> newcomerErrors) {
        double throughput() {
            return tasks / seconds;
        }
    }

    private final TaskConnector connector;
    private final InetSocketAddress server;
    private final List<TaskClient> clients = new ArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    private volatile ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    private final AtomicLong newcomers = new AtomicLong();
    private final AtomicLong newcomersRefused = new AtomicLong();
    private final ConcurrentLinkedQueue<String> newcomerErrors = new ConcurrentLinkedQueue<>();
    private final Thread newcomer;
    private volatile boolean running = true;

    GoodClients(InetSocketAddress server) throws Exception {
        this.server = server;
        connector = TaskClients.connector(TaskClientOptions.builder()
                .connectTimeout(Duration.ofSeconds(2))
                .taskTimeout(Duration.ofSeconds(5))
                .build());
        for (int i = 0; i < CLIENTS; i++) {
            TaskClient c = connector.connect(server).get(5, TimeUnit.SECONDS);
            clients.add(c);
            for (int d = 0; d < DEPTH; d++) {
                next(c);
            }
        }
        newcomer = new Thread(this::newcomers, "good-newcomer");
        newcomer.setDaemon(true);
        newcomer.start();
    }

    private void next(TaskClient c) {
        if (!running || c.isClosed()) {
            return;
        }
        long start = System.nanoTime();
        ConcurrentLinkedQueue<Long> sink = latencies;
        c.submit(ECHO, PAYLOAD).whenComplete((answer, error) -> {
            if (error == null) {
                sink.add(System.nanoTime() - start);
            } else if (running) {
                failures.incrementAndGet();
            }
            next(c);
        });
    }

    private void newcomers() {
        while (running) {
            long start = System.nanoTime();
            try {
                TaskClient c = connector.connect(server).get(5, TimeUnit.SECONDS);
                try {
                    c.submit(ECHO, PAYLOAD).get(5, TimeUnit.SECONDS);
                } finally {
                    c.close();
                }
                newcomers.incrementAndGet();
            } catch (Exception e) {
                if (running) {
                    newcomers.incrementAndGet();
                    newcomersRefused.incrementAndGet();
                    newcomerErrors.add(String.valueOf(e.getCause() == null ? e : e.getCause()));
                }
            }
            long left = 50 - (System.nanoTime() - start) / 1_000_000;
            if (left > 0) {
                RawClient.sleep(left);
            }
        }
    }

    /** Measures for {@code window}: the good clients' throughput, latency and refused newcomers. */
    Window measure(Duration window) {
        long failuresBefore = failures.get();
        long newcomersBefore = newcomers.get();
        long refusedBefore = newcomersRefused.get();
        newcomerErrors.clear();
        ConcurrentLinkedQueue<Long> sink = new ConcurrentLinkedQueue<>();
        latencies = sink;
        long start = System.nanoTime();
        RawClient.sleep(window.toMillis());
        latencies = new ConcurrentLinkedQueue<>();
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = sink.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Window(
                seconds,
                sorted.length,
                failures.get() - failuresBefore,
                percentile(sorted, 0.50) / 1000,
                percentile(sorted, 0.99) / 1000,
                newcomers.get() - newcomersBefore,
                newcomersRefused.get() - refusedBefore,
                List.copyOf(newcomerErrors));
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Long.MAX_VALUE / 1000;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** The good clients that are still connected. */
    long connected() {
        return clients.stream().filter(c -> !c.isClosed()).count();
    }

    @Override
    public void close() throws Exception {
        running = false;
        newcomer.join(10_000);
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (TaskClient c : clients) {
            closing.add(c.closeAsync());
        }
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        connector.close();
    }
}
