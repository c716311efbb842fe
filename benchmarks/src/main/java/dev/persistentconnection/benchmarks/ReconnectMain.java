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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;

/**
 * Target 4: over real TCP on 127.0.0.1, the server closes a long-lived {@link TaskClient} connection; the time from
 * that close to the persistent connection's {@code Connected} event (the connection lived longer than the retry
 * delay, so the engine reconnects at once, as the reference does). Server and client in this JVM, each with its own
 * event loop.
 */
public final class ReconnectMain {
    static final Duration RETRY_DELAY = Duration.ofMillis(20);
    /** How long each connection lives before the server closes it: longer than the largest randomized delay. */
    static final long LIFETIME_MILLIS = RETRY_DELAY.toMillis() * 13 / 10 + 5;

    private static void row(Results out, String name, long[] sorted, int n) {
        out.line(
                "| %s (ms) | %.3f | %.3f | %.3f | %.3f | %.3f |",
                name,
                Results.quantile(sorted, n, 0) / 1e6,
                Results.quantile(sorted, n, 0.5) / 1e6,
                Results.quantile(sorted, n, 0.9) / 1e6,
                Results.quantile(sorted, n, 0.99) / 1e6,
                Results.quantile(sorted, n, 1) / 1e6);
    }

    /** {TaskConnector.connect() to a TaskServer, a bare Netty connect to a Netty server}, each from main. */
    private static long[][] connectAlone(int warmup, int rounds) throws Exception {
        long[] connector = new long[rounds];
        long[] netty = new long[rounds];
        TaskServer server = TaskServer.builder()
                .port(0)
                // One client reconnecting back to back: far more connections a second than a host's default
                // accept rate (maxClientsPerAddress a second), which would reset the excess.
                .maxAcceptRatePerAddress(1_000_000)
                .build()
                .register(1, TaskHandler.of(payload -> payload), "echo")
                .start();
        TaskConnector taskConnector = TaskClients.connector(TaskClientOptions.defaults());
        Echo.EchoServer raw = RawEcho.startServer();
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(
                1,
                new io.netty.util.concurrent.DefaultThreadFactory("bare-client", true),
                io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            InetSocketAddress taskAddress = new InetSocketAddress("127.0.0.1", server.port());
            InetSocketAddress rawAddress = new InetSocketAddress("127.0.0.1", raw.port());
            io.netty.bootstrap.Bootstrap bootstrap = new io.netty.bootstrap.Bootstrap()
                    .group(group)
                    .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                    .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                    .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                        @Override
                        protected void initChannel(io.netty.channel.Channel ch) {
                            // nothing: the bare channel
                        }
                    });
            for (int round = 0; round < warmup + rounds; round++) {
                long start = System.nanoTime();
                TaskClient client = taskConnector.connect(taskAddress).get(5, TimeUnit.SECONDS);
                long end = System.nanoTime();
                client.closeAsync().get(5, TimeUnit.SECONDS);
                long nettyStart = System.nanoTime();
                io.netty.channel.Channel channel =
                        bootstrap.connect(rawAddress).syncUninterruptibly().channel();
                long nettyEnd = System.nanoTime();
                channel.close().syncUninterruptibly();
                if (round >= warmup) {
                    connector[round - warmup] = end - start;
                    netty[round - warmup] = nettyEnd - nettyStart;
                }
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            raw.close();
            taskConnector.close();
            server.stop();
        }
        return new long[][] {connector, netty};
    }

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "4-reconnect");
        int warmup = Integer.parseInt(Results.option(args, "--warmup", "100"));
        int rounds = Integer.parseInt(Results.option(args, "--rounds", "300"));

        TaskServer server = TaskServer.builder()
                .port(0)
                // One client reconnecting back to back: far more connections a second than a host's default
                // accept rate (maxClientsPerAddress a second), which would reset the excess.
                .maxAcceptRatePerAddress(1_000_000)
                .build()
                .register(1, TaskHandler.of(payload -> payload), "echo")
                .start();
        TaskConnector connector = TaskClients.connector(TaskClientOptions.defaults());
        long[] connectCalledAt = new long[1];
        long[] connectDoneAt = new long[1];
        // The thread of each step, from the first measured round: where the hand-offs are.
        String[] threadOf = new String[6];
        PersistentConnection<InetSocketAddress, TaskClient> connection = PersistentConnection.builder(
                        "reconnect-bench",
                        AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", server.port())),
                        (address, context) -> {
                            connectCalledAt[0] = System.nanoTime();
                            threadOf[3] = Thread.currentThread().getName();
                            // Time-stamped before the engine hears of it (dependents of one stage run
                            // last-registered first, so a listener on the connector's own future would run after
                            // the engine's).
                            CompletableFuture<TaskClient> stamped = new CompletableFuture<>();
                            connector.connect(address).whenComplete((c, e) -> {
                                connectDoneAt[0] = System.nanoTime();
                                threadOf[4] = Thread.currentThread().getName();
                                if (e != null) {
                                    stamped.completeExceptionally(e);
                                } else {
                                    stamped.complete(c);
                                }
                            });
                            return stamped;
                        },
                        TaskClients.lifecycle())
                .retryDelay(RETRY_DELAY)
                .build();
        long[] total = new long[rounds];
        long[] detect = new long[rounds];
        long[] toConnectCall = new long[rounds];
        long[] handshake = new long[rounds];
        long[] closeSeen = new long[rounds];
        long[] toDisconnected = new long[rounds];
        long[] transportConnect = new long[rounds];
        long[] toConnected = new long[rounds];
        int measured = 0;
        String[] threadsOfFirstRound = new String[6];
        Path profile = null;
        try {
            AtomicReference<CompletableFuture<Long>> nextConnected = new AtomicReference<>(new CompletableFuture<>());
            long[] disconnectedAt = new long[1];
            AutoCloseable subscription = connection.subscribe(event -> {
                long now = System.nanoTime();
                if (event instanceof ConnectionEvent.Disconnected) {
                    disconnectedAt[0] = now;
                    threadOf[2] = Thread.currentThread().getName();
                } else if (event instanceof ConnectionEvent.Connected) {
                    threadOf[5] = Thread.currentThread().getName();
                    nextConnected.get().complete(now);
                }
            });
            int profileRounds = Integer.parseInt(Results.option(args, "--profile-rounds", "150"));
            Recording recording = null;
            for (int round = 0; round < warmup + rounds + profileRounds; round++) {
                if (round == warmup + rounds) {
                    recording = new Recording();
                    recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(1));
                    recording.start();
                }
                TaskClient client = connection.connected().get(5, TimeUnit.SECONDS);
                // Long-lived: older than the largest randomized retry delay, so the reconnect is immediate.
                Thread.sleep(LIFETIME_MILLIS);
                if (round == 0) {
                    client.submit(1, new byte[] {1}).get(5, TimeUnit.SECONDS); // the connection works
                }
                List<ConnectedClient> clients = server.clients();
                if (clients.size() != 1) {
                    throw new IllegalStateException("expected one client at the server, found " + clients.size());
                }
                CompletableFuture<Long> connected = new CompletableFuture<>();
                nextConnected.set(connected);
                long[] clientClosedAt = new long[1];
                client.closeFinished().whenComplete((v, e) -> {
                    clientClosedAt[0] = System.nanoTime();
                    threadOf[1] = Thread.currentThread().getName();
                });
                threadOf[0] = Thread.currentThread().getName();
                long start = System.nanoTime();
                clients.get(0).close();
                long end = connected.get(5, TimeUnit.SECONDS);
                if (round >= warmup && measured < rounds) {
                    total[measured] = end - start;
                    detect[measured] = disconnectedAt[0] - start;
                    toConnectCall[measured] = connectCalledAt[0] - disconnectedAt[0];
                    handshake[measured] = end - connectCalledAt[0];
                    closeSeen[measured] = clientClosedAt[0] - start;
                    toDisconnected[measured] = disconnectedAt[0] - clientClosedAt[0];
                    transportConnect[measured] = connectDoneAt[0] - connectCalledAt[0];
                    toConnected[measured] = end - connectDoneAt[0];
                    if (measured == 0) {
                        threadsOfFirstRound = threadOf.clone();
                    }
                    measured++;
                }
            }
            subscription.close();
            if (recording != null) {
                recording.stop();
                profile = Files.createTempFile("bench-reconnect", ".jfr");
                recording.dump(profile);
                recording.close();
            }
        } finally {
            connection.close();
            connector.close();
            server.stop();
        }
        Arrays.sort(total, 0, measured);
        Arrays.sort(detect, 0, measured);
        Arrays.sort(toConnectCall, 0, measured);
        Arrays.sort(handshake, 0, measured);
        Arrays.sort(closeSeen, 0, measured);
        Arrays.sort(toDisconnected, 0, measured);
        Arrays.sort(transportConnect, 0, measured);
        Arrays.sort(toConnected, 0, measured);
        long[] floor = PlainTcpFloor.measure(warmup, rounds, LIFETIME_MILLIS);
        Arrays.sort(floor);
        long[] hotFloor = PlainTcpFloor.measure(warmup, rounds, 0);
        Arrays.sort(hotFloor);
        long[][] parts = connectAlone(warmup, rounds);
        long[] connectorAlone = parts[0];
        long[] nettyAlone = parts[1];
        Arrays.sort(connectorAlone);
        Arrays.sort(nettyAlone);
        double median = Results.quantile(total, measured, 0.5) / 1e6;
        out.line("## 4. Reconnect latency over TCP (TaskClient, 127.0.0.1)");
        out.line("");
        out.line(
                "The server closes the client's connection (`ConnectedClient.close()`), which had lived longer than "
                        + "the retry delay (%d ms, ±30 %%); measured from that call to the `Connected` event on the client. "
                        + "%d warm-up rounds, %d measured; one JVM, server and client on their own event loops.",
                RETRY_DELAY.toMillis(), warmup, measured);
        out.line("");
        out.line("| | min | median | p90 | p99 | max |");
        out.line("| --- | ---: | ---: | ---: | ---: | ---: |");
        out.line(
                "| close → `Connected` (ms) | %.3f | %.3f | %.3f | %.3f | %.3f |",
                Results.quantile(total, measured, 0) / 1e6,
                median,
                Results.quantile(total, measured, 0.9) / 1e6,
                Results.quantile(total, measured, 0.99) / 1e6,
                Results.quantile(total, measured, 1) / 1e6);
        row(out, "1. close → `Disconnected`: the close reaches the client, the engine sees it", detect, measured);
        row(out, "2. `Disconnected` → `connect()` called: the engine starts the next attempt", toConnectCall, measured);
        row(
                out,
                "3. `connect()` → `Connected`: TCP connect, protocol handshake, the engine's `Connected`",
                handshake,
                measured);
        row(
                out,
                "1a. close → the client's `TaskClient.closeFinished()` completes (server I/O thread closes, "
                        + "client I/O thread sees the end of stream)",
                closeSeen,
                measured);
        row(
                out,
                "1b. `closeFinished()` → `Disconnected` (the engine is told, on the client's I/O thread)",
                toDisconnected,
                measured);
        row(
                out,
                "3a. `connect()` → the connector's future completes (TCP connect, hello, accept: client I/O "
                        + "thread, server accept thread, server I/O thread)",
                transportConnect,
                measured);
        row(out, "3b. the connector's future → `Connected` (the engine takes the connection)", toConnected, measured);
        row(
                out,
                "for comparison: `TaskConnector.connect()` alone, called from `main` (TCP connect and handshake, "
                        + "no engine)",
                connectorAlone,
                connectorAlone.length);
        row(
                out,
                "for comparison: a bare Netty `Bootstrap.connect()` until the channel is active (no handshake)",
                nettyAlone,
                nettyAlone.length);
        row(
                out,
                Results.fmt(
                        "floor: plain blocking sockets, server closes a connection that lived %d ms, client "
                                + "reconnects and exchanges one byte",
                        LIFETIME_MILLIS),
                floor,
                floor.length);
        row(
                out,
                "the same floor back to back (the connection closed at once: threads and caches warm)",
                hotFloor,
                hotFloor.length);
        out.line("");
        out.line(
                "Where each step ran (first measured round): close called on `%s`; `closeFinished()` completed "
                        + "on `%s`; `Disconnected` delivered on `%s`; `connect()` called on `%s`; the connector's future "
                        + "completed on `%s`; `Connected` delivered on `%s`. Rows 1a+1b and 3a+3b add up to rows 1 and 3 "
                        + "(medians need not add up exactly).",
                (Object[]) threadsOfFirstRound);
        out.line("");
        out.line("The floor is what any client needs on this machine for the same steps: a server thread closes "
                + "the accepted socket, the client thread blocked in `read` sees the end of stream, connects again "
                + "and gets one byte from the server (`PlainTcpFloor`, blocking `java.net` sockets, no event loop). "
                + "Its connections live as long as the measured ones before the close, because the time a "
                + "reconnection takes depends on it: threads that slept for tens of milliseconds wake up slower, "
                + "with cold caches, than threads that go on at once (the back-to-back row). Target 4b is "
                + "measured against the floor with the same lifetime.");
        out.line("");
        if (profile != null) {
            out.line("### Where the CPU time goes during a reconnection");
            out.line("");
            out.line(
                    "JFR execution samples (1 ms period) over %s more rounds, every thread of the JVM (the client's "
                            + "I/O thread runs the engine; the server's accept and I/O threads; the benchmark's `main` "
                            + "thread sleeps between rounds). Samples are taken only while a thread runs Java code, so time "
                            + "spent waiting for a wake-up or in the kernel does not show:",
                    Results.option(args, "--profile-rounds", "150"));
            out.line("");
            JfrSummary.read(profile, thread -> true).markdown(15).forEach(out::line);
            out.line("");
            Files.deleteIfExists(profile);
        }
        double floorMedian = Results.quantile(floor, floor.length, 0.5) / 1e6;
        double p99 = Results.quantile(total, measured, 0.99) / 1e6;
        boolean met15 = median <= 3 * floorMedian && p99 <= 3.0;
        out.target(
                "4b",
                "reconnect median at most 3x the plain-socket floor of this run, p99 at most 3 ms",
                Results.fmt(
                        "median %.3f ms = %.1fx the floor's %.3f ms (same lifetime; %.3f ms back to back); p99 %.3f ms",
                        median,
                        median / floorMedian,
                        floorMedian,
                        Results.quantile(hotFloor, hotFloor.length, 0.5) / 1e6,
                        p99),
                met15,
                met15
                        ? ""
                        : Results.fmt(
                                "%s%s; the rows 1a-3b and the profile above say where the time goes",
                                median > 3 * floorMedian
                                        ? Results.fmt("median %.1fx instead of 3x", median / floorMedian)
                                        : "",
                                p99 > 3.0
                                        ? Results.fmt(
                                                "%sp99 %.3f ms over 3 ms", median > 3 * floorMedian ? ", " : "", p99)
                                        : ""));
        out.metric(
                "reconnect",
                Results.fmt("%.3f ms (%.1fx of %.3f ms), p99 %.3f ms", median, median / floorMedian, floorMedian, p99));
        boolean met = median < 1.0;
        out.target(
                "4",
                "reconnect median under 1 ms",
                Results.fmt("median %.3f ms, p99 %.3f ms", median, Results.quantile(total, measured, 0.99) / 1e6),
                met,
                met
                        ? ""
                        : Results.fmt(
                                "missed by %.3f ms; the plain-socket floor's median is %.3f ms",
                                median - 1.0, Results.quantile(floor, floor.length, 0.5) / 1e6));
        out.write();
        System.exit(0);
    }
}
