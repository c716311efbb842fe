package dev.persistentconnection.benchmarks;

import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One side of the transport scale benchmark in its own JVM, driven by {@link TransportScaleMain} through standard
 * input (one command a line) and standard output (one answer a line):
 *
 * <pre>
 * ScaleSideMain server tasks|grpc         prints PORT n
 * ScaleSideMain client tasks|grpc PORT N  prints READY
 * commands: warmup | baseline | connect | hold SECONDS | alive | verify | measure | stop
 * </pre>
 *
 * Both sides use one I/O thread for all connections on the client and one acceptor plus two I/O threads on the
 * server, the same for both implementations. Heartbeats: the task protocol's PING every 2 s with a 6 s timeout on
 * both sides; gRPC's HTTP/2 keep-alive PING at its shortest allowed interval, 10 s, on both sides, with calls or
 * without. Exits by itself after 10 minutes or when its standard input closes.
 */
public final class ScaleSideMain {
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(6);
    static final int GRPC_KEEPALIVE_SECONDS = 10;
    static final int WARMUP_CONNECTIONS = 200;
    static final int CONNECT_CONCURRENCY = 64;
    /** Why connections were lost, for the report (client side: the client's close reason). */
    static final Map<String, AtomicInteger> CLOSE_REASONS = new java.util.concurrent.ConcurrentHashMap<>();

    private interface Side {
        void connect(int n) throws Exception;

        void close(int n) throws Exception;

        /** Connections lost (closed without being asked) so far. */
        int lost();

        /** Connections alive now. */
        int alive();

        /** Connects that failed and were made again. */
        default int retries() {
            return 0;
        }

        /** One echo task on every connection; the number that answered. */
        int verify() throws Exception;

        void stop() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(
                () -> {
                    Results.sleep(10 * 60 * 1000);
                    System.err.println("scale side: 10 minutes are over, exiting");
                    System.exit(2);
                },
                "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String role = args[0];
        String impl = args[1];
        Side side;
        if (role.equals("server")) {
            side = impl.equals("tasks") ? taskServer() : grpcServer();
        } else {
            int port = Integer.parseInt(args[2]);
            side = impl.equals("tasks") ? taskClients(port) : grpcClients(port);
            System.out.println("READY");
        }
        System.out.flush();
        int n = role.equals("client") ? Integer.parseInt(args[3]) : 0;
        Map<String, Long> baseline = null;
        Map<String, long[]> histogramBefore = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] cmd = line.trim().split("\\s+");
                switch (cmd[0]) {
                    case "warmup" -> {
                        side.connect(WARMUP_CONNECTIONS);
                        side.verify();
                        side.close(WARMUP_CONNECTIONS);
                        answer("WARM");
                    }
                    case "baseline" -> {
                        CLOSE_REASONS.clear(); // the warm-up's closes are not lost connections
                        baseline = MemoryProbe.take();
                        histogramBefore = ClassHistogram.take(false);
                        answer("BASELINE " + MemoryProbe.format(baseline));
                    }
                    case "connect" -> {
                        long start = System.nanoTime();
                        side.connect(n);
                        answer("CONNECTED " + (System.nanoTime() - start) / 1_000_000 + " " + side.retries());
                        System.err.println(role + " " + impl + ": " + n + " connected in "
                                + (System.nanoTime() - start) / 1_000_000 + " ms, " + side.retries()
                                + " connects retried");
                    }
                    case "hold" -> {
                        Results.sleep(Long.parseLong(cmd[1]) * 1000);
                        answer("HELD lost=" + side.lost() + " alive=" + side.alive());
                    }
                    case "measure" -> {
                        Map<String, Long> now = MemoryProbe.take();
                        Map<String, long[]> diff = ClassHistogram.diff(histogramBefore, ClassHistogram.take(false));
                        List<Map.Entry<String, long[]>> top = new ArrayList<>(diff.entrySet());
                        top.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
                        for (Map.Entry<String, long[]> e : top.subList(0, Math.min(12, top.size()))) {
                            answer("CLASS " + e.getKey() + " " + e.getValue()[0] + " " + e.getValue()[1]);
                        }
                        StringBuilder delta = new StringBuilder();
                        for (Map.Entry<String, Long> e : now.entrySet()) {
                            delta.append(' ')
                                    .append(e.getKey())
                                    .append('=')
                                    .append(e.getValue() - baseline.getOrDefault(e.getKey(), 0L));
                        }
                        for (Map.Entry<String, AtomicInteger> e : CLOSE_REASONS.entrySet()) {
                            answer("REASON " + e.getValue().get() + " "
                                    + e.getKey().replace('\n', ' '));
                        }
                        answer("MEASURE alive=" + side.alive() + " lost=" + side.lost() + delta);
                    }
                    case "alive" -> answer("ALIVE " + side.alive());
                    case "verify" -> answer("VERIFIED " + side.verify());
                    case "stop" -> {
                        side.stop();
                        answer("STOPPED");
                        System.exit(0);
                    }
                    default -> answer("UNKNOWN " + line);
                }
            }
        }
        side.stop();
        System.exit(0);
    }

    private static void answer(String line) {
        System.out.println(line);
        System.out.flush();
    }

    // ---- TaskServer / TaskClient ----

    /** Kept strongly: the server's close reasons come from its debug log of each closed session. */
    private static final java.util.logging.Logger SESSION_LOG =
            java.util.logging.Logger.getLogger("dev.persistentconnection.tasks.ClientSession");

    private static void countServerCloseReasons() {
        SESSION_LOG.setLevel(java.util.logging.Level.FINE);
        SESSION_LOG.addHandler(new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                Object[] p = r.getParameters();
                if (r.getMessage() != null && r.getMessage().endsWith("closed: {1}") && p != null && p.length > 1) {
                    CLOSE_REASONS
                            .computeIfAbsent(String.valueOf(p[1]), k -> new AtomicInteger())
                            .incrementAndGet();
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    private static Side taskServer() {
        countServerCloseReasons();
        TaskServer server = TaskServer.builder()
                .port(0)
                .maxClients(50_000)
                // every client of this benchmark comes from 127.0.0.1, and an idle client is the point
                .maxClientsPerAddress(50_000)
                .waitTimeout(Duration.ofHours(1))
                .ioThreads(2)
                .heartbeatInterval(HEARTBEAT_INTERVAL)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .build()
                .register(Echo.TASK_CODE, TaskHandler.of(payload -> payload), "echo")
                .start();
        System.out.println("PORT " + server.port());
        return new Side() {
            public void connect(int n) {}

            public void close(int n) {}

            public int lost() {
                return 0; // the client side counts
            }

            public int alive() {
                return server.numClients();
            }

            public int verify() {
                return 0;
            }

            public void stop() {
                server.stop();
            }
        };
    }

    private static Side taskClients(int port) {
        TaskConnector connector = TaskClients.connector(TaskClientOptions.builder()
                .heartbeatInterval(HEARTBEAT_INTERVAL)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .build());
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        List<TaskClient> clients = new ArrayList<>();
        AtomicInteger lost = new AtomicInteger();
        AtomicInteger retried = new AtomicInteger();
        return new Side() {
            public void connect(int n) throws Exception {
                Semaphore permits = new Semaphore(CONNECT_CONCURRENCY);
                List<CompletableFuture<TaskClient>> all = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    permits.acquire();
                    CompletableFuture<TaskClient> f = connector.connect(address);
                    f.whenComplete((c, e) -> permits.release());
                    all.add(f);
                }
                for (CompletableFuture<TaskClient> f : all) {
                    TaskClient c;
                    try {
                        c = f.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        // On an overloaded machine a handshake can outlast the server's read timeout: connect
                        // again (counted and reported), at most 3 times.
                        c = null;
                        for (int attempt = 0; attempt < 3 && c == null; attempt++) {
                            retried.incrementAndGet();
                            try {
                                c = connector.connect(address).get(30, TimeUnit.SECONDS);
                            } catch (java.util.concurrent.ExecutionException again) {
                                // next attempt
                            }
                        }
                        if (c == null) {
                            throw e;
                        }
                    }
                    TaskClient client = c;
                    client.closeFinished().whenComplete((v, e) -> {
                        String reason = client.closeReason().orElse("");
                        if (!reason.equals("closed by the client")) {
                            lost.incrementAndGet();
                            CLOSE_REASONS
                                    .computeIfAbsent(reason, r -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                    });
                    clients.add(client);
                }
            }

            public void close(int n) throws Exception {
                List<CompletableFuture<Void>> closing = new ArrayList<>();
                for (TaskClient c : clients) {
                    closing.add(c.closeAsync());
                }
                CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                        .get(30, TimeUnit.SECONDS);
                clients.clear();
            }

            public int lost() {
                return lost.get();
            }

            public int retries() {
                return retried.get();
            }

            public int alive() {
                return (int) clients.stream().filter(c -> !c.isClosed()).count();
            }

            public int verify() throws Exception {
                List<CompletableFuture<byte[]>> answers = new ArrayList<>();
                Semaphore permits = new Semaphore(256);
                for (TaskClient c : clients) {
                    permits.acquire();
                    CompletableFuture<byte[]> f = c.submit(Echo.TASK_CODE, new byte[] {1});
                    f.whenComplete((a, e) -> permits.release());
                    answers.add(f);
                }
                int ok = 0;
                Map<String, Integer> failures = new java.util.TreeMap<>();
                for (CompletableFuture<byte[]> f : answers) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                        ok++;
                    } catch (Exception e) {
                        // counted as not verified
                        Throwable cause = e.getCause() != null ? e.getCause() : e;
                        failures.merge(cause.getClass().getSimpleName() + ": " + cause.getMessage(), 1, Integer::sum);
                    }
                }
                if (!failures.isEmpty()) {
                    System.err.println("client tasks: verify failures " + failures);
                }
                return ok;
            }

            public void stop() throws Exception {
                close(clients.size());
                connector.close();
            }
        };
    }

    // ---- gRPC ----

    private static Side grpcServer() throws Exception {
        AtomicInteger transports = new AtomicInteger();
        ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
                .addMethod(
                        Echo.METHOD, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> response) -> {
                            response.onNext(request);
                            response.onCompleted();
                        }))
                .build();
        MultiThreadIoEventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        MultiThreadIoEventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .channelType(NioServerSocketChannel.class)
                .directExecutor()
                .keepAliveTime(GRPC_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(GRPC_KEEPALIVE_SECONDS * 2, TimeUnit.SECONDS)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addTransportFilter(new ServerTransportFilter() {
                    @Override
                    public Attributes transportReady(Attributes attributes) {
                        transports.incrementAndGet();
                        return attributes;
                    }

                    @Override
                    public void transportTerminated(Attributes attributes) {
                        transports.decrementAndGet();
                    }
                })
                .addService(service)
                .build()
                .start();
        System.out.println("PORT " + server.getPort());
        return new Side() {
            public void connect(int n) {}

            public void close(int n) {}

            public int lost() {
                return 0;
            }

            public int alive() {
                return transports.get();
            }

            public int verify() {
                return 0;
            }

            public void stop() throws Exception {
                server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        };
    }

    private static Side grpcClients(int port) {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        List<ManagedChannel> channels = new ArrayList<>();
        AtomicInteger lost = new AtomicInteger();
        return new Side() {
            public void connect(int n) throws Exception {
                List<ManagedChannel> made = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    made.add(NettyChannelBuilder.forAddress(address)
                            .usePlaintext()
                            .eventLoopGroup(group)
                            .channelType(NioSocketChannel.class)
                            .directExecutor()
                            .keepAliveTime(GRPC_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                            .keepAliveTimeout(GRPC_KEEPALIVE_SECONDS * 2, TimeUnit.SECONDS)
                            .keepAliveWithoutCalls(true)
                            .build());
                }
                // One call each connects the channel (gRPC channels connect lazily) and proves it works.
                if (call(made) != n) {
                    throw new IllegalStateException("not every gRPC channel connected");
                }
                for (ManagedChannel c : made) {
                    watch(c);
                }
                channels.addAll(made);
            }

            private void watch(ManagedChannel c) {
                ConnectivityState state = c.getState(false);
                c.notifyWhenStateChanged(state, () -> {
                    if (c.isShutdown()) {
                        return;
                    }
                    if (c.getState(false) != ConnectivityState.READY) {
                        lost.incrementAndGet();
                    } else {
                        watch(c);
                    }
                });
            }

            private int call(List<ManagedChannel> list) throws Exception {
                Semaphore permits = new Semaphore(CONNECT_CONCURRENCY);
                List<CompletableFuture<byte[]>> answers = new ArrayList<>();
                for (ManagedChannel c : list) {
                    permits.acquire();
                    CompletableFuture<byte[]> f = new CompletableFuture<>();
                    f.whenComplete((a, e) -> permits.release());
                    ClientCalls.asyncUnaryCall(
                            c.newCall(Echo.METHOD, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
                            new byte[] {1},
                            new StreamObserver<>() {
                                public void onNext(byte[] value) {
                                    f.complete(value);
                                }

                                public void onError(Throwable t) {
                                    f.completeExceptionally(t);
                                }

                                public void onCompleted() {
                                    f.complete(null);
                                }
                            });
                    answers.add(f);
                }
                int ok = 0;
                for (CompletableFuture<byte[]> f : answers) {
                    try {
                        f.get(60, TimeUnit.SECONDS);
                        ok++;
                    } catch (Exception e) {
                        // counted as failed
                    }
                }
                return ok;
            }

            public void close(int n) throws Exception {
                for (ManagedChannel c : channels) {
                    c.shutdownNow();
                }
                for (ManagedChannel c : channels) {
                    c.awaitTermination(10, TimeUnit.SECONDS);
                }
                channels.clear();
            }

            public int lost() {
                return lost.get();
            }

            public int alive() {
                return (int) channels.stream()
                        .filter(c -> c.getState(false) == ConnectivityState.READY)
                        .count();
            }

            public int verify() throws Exception {
                return call(channels);
            }

            public void stop() throws Exception {
                close(channels.size());
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        };
    }
}
