package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Target 4: over real TCP on 127.0.0.1, the server closes a long-lived {@link TaskClient} connection; the time from
 * that close to the persistent connection's {@code Connected} event (the connection lived longer than the retry
 * delay, so the engine reconnects at once, as the reference does). Server and client in this JVM, each with its own
 * event loop.
 */
public final class ReconnectMain {
    static final Duration RETRY_DELAY = Duration.ofMillis(20);

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "4-reconnect");
        int warmup = Integer.parseInt(Results.option(args, "--warmup", "100"));
        int rounds = Integer.parseInt(Results.option(args, "--rounds", "300"));

        TaskServer server = TaskServer.builder().port(0).build()
                .register(1, TaskHandler.of(payload -> payload), "echo").start();
        TaskConnector connector = TaskClients.connector(TaskClientOptions.defaults());
        PersistentConnection<InetSocketAddress, TaskClient> connection = PersistentConnection
                .<InetSocketAddress, TaskClient>builder("reconnect-bench")
                .addressSupplier(AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", server.port())))
                .connector(connector).lifecycle(TaskClients.lifecycle())
                .retryDelay(RETRY_DELAY)
                .build();
        long[] total = new long[rounds];
        long[] detect = new long[rounds];
        int measured = 0;
        try {
            AtomicReference<CompletableFuture<Long>> nextConnected = new AtomicReference<>(new CompletableFuture<>());
            long[] disconnectedAt = new long[1];
            AutoCloseable subscription = connection.subscribe(event -> {
                long now = System.nanoTime();
                if (event instanceof ConnectionEvent.Disconnected) {
                    disconnectedAt[0] = now;
                } else if (event instanceof ConnectionEvent.Connected) {
                    nextConnected.get().complete(now);
                }
            });
            for (int round = 0; round < warmup + rounds; round++) {
                TaskClient client = connection.connected().get(5, TimeUnit.SECONDS);
                // Long-lived: older than the largest randomized retry delay, so the reconnect is immediate.
                Thread.sleep(RETRY_DELAY.toMillis() * 13 / 10 + 5);
                if (round == 0) {
                    client.submit(1, new byte[] {1}).get(5, TimeUnit.SECONDS); // the connection works
                }
                List<ConnectedClient> clients = server.clients();
                if (clients.size() != 1) {
                    throw new IllegalStateException("expected one client at the server, found " + clients.size());
                }
                CompletableFuture<Long> connected = new CompletableFuture<>();
                nextConnected.set(connected);
                long start = System.nanoTime();
                clients.get(0).close();
                long end = connected.get(5, TimeUnit.SECONDS);
                if (round >= warmup) {
                    total[measured] = end - start;
                    detect[measured] = disconnectedAt[0] - start;
                    measured++;
                }
            }
            subscription.close();
        } finally {
            connection.close();
            connector.close();
            server.stop();
        }
        Arrays.sort(total, 0, measured);
        Arrays.sort(detect, 0, measured);
        double median = Results.quantile(total, measured, 0.5) / 1e6;
        out.line("## 4. Reconnect latency over TCP (TaskClient, 127.0.0.1)");
        out.line("");
        out.line("The server closes the client's connection (`ConnectedClient.close()`), which had lived longer than "
                + "the retry delay (%d ms, ±30 %%); measured from that call to the `Connected` event on the client. "
                + "%d warm-up rounds, %d measured; one JVM, server and client on their own event loops.",
                RETRY_DELAY.toMillis(), warmup, measured);
        out.line("");
        out.line("| | min | median | p90 | p99 | max |");
        out.line("| --- | ---: | ---: | ---: | ---: | ---: |");
        out.line("| close → `Connected` (ms) | %.3f | %.3f | %.3f | %.3f | %.3f |",
                Results.quantile(total, measured, 0) / 1e6, median, Results.quantile(total, measured, 0.9) / 1e6,
                Results.quantile(total, measured, 0.99) / 1e6, Results.quantile(total, measured, 1) / 1e6);
        out.line("| of which close → `Disconnected` (ms) | %.3f | %.3f | %.3f | %.3f | %.3f |",
                Results.quantile(detect, measured, 0) / 1e6, Results.quantile(detect, measured, 0.5) / 1e6,
                Results.quantile(detect, measured, 0.9) / 1e6, Results.quantile(detect, measured, 0.99) / 1e6,
                Results.quantile(detect, measured, 1) / 1e6);
        out.line("");
        boolean met = median < 1.0;
        out.target("4", "reconnect median under 1 ms", Results.fmt("median %.3f ms, p99 %.3f ms", median,
                Results.quantile(total, measured, 0.99) / 1e6), met,
                met ? "" : Results.fmt("missed by %.3f ms", median - 1.0));
        out.write();
        System.exit(0);
    }
}
