package dev.persistentconnection.tasks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves tasks to many clients over TCP: {@link #register} a
 * {@link TaskHandler} per task code, {@link #start()}, and {@link #stop()}.
 *
 * <p>Safe by default: binds to 127.0.0.1, limits the frame size, the tasks in flight per client (by no longer
 * reading from that client, not by queueing) and the number of clients; an invalid frame closes only the client
 * that sent it. Handlers and run functions run on the task executor (by default a bounded pool the server owns),
 * never on an I/O thread, unless {@link Builder#runHandlersOnIoThread} says they never block. {@link #stop()} closes every client and releases every thread it created.
 */
public final class TaskServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TaskServer.class.getName());

    /** The largest task code applications may register; codes above are reserved for the protocol. */
    public static final int MAX_USER_TASK_CODE = 0xFEFF;
    /**
     * The default time a client may stay idle (no task in flight) before it is disconnected: 5 min, so that a
     * connection that only answers heartbeats cannot keep a slot for long (a persistent connection reconnects at
     * once after the GOODBYE).
     */
    public static final Duration DEFAULT_WAIT_TIMEOUT = ProtocolDefaults.WAIT_TIMEOUT;
    /** The default time a started frame (or the handshake) may take to arrive: 5 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = ProtocolDefaults.READ_TIMEOUT;
    /** The default time a write may take: 5 s. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = ProtocolDefaults.WRITE_TIMEOUT;
    /** The default time an address may not connect after a connection of it stalled a write: 1 s, doubling. */
    public static final Duration DEFAULT_STALLED_WRITE_BACKOFF = ProtocolDefaults.STALLED_WRITE_BACKOFF;
    /** The default interval after which a quiet side sends PING: 10 s. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = ProtocolDefaults.HEARTBEAT_INTERVAL;
    /** The default silence after which the peer is considered dead: 30 s. */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = ProtocolDefaults.HEARTBEAT_TIMEOUT;
    /** The default limit on a frame's length prefix: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = ProtocolDefaults.MAX_FRAME_SIZE;
    /** The default number of tasks one client may have in flight: 64. */
    public static final int DEFAULT_MAX_TASKS_IN_FLIGHT = ProtocolDefaults.MAX_TASKS_IN_FLIGHT;
    /** The default number of clients at once: 1024. */
    public static final int DEFAULT_MAX_CLIENTS = ProtocolDefaults.MAX_CLIENTS;
    /** The default limit on connections from one remote address: a quarter of {@link #DEFAULT_MAX_CLIENTS}. */
    public static final int DEFAULT_MAX_CLIENTS_PER_ADDRESS = 256;
    /** A handler run on the I/O thread for this long (10 ms) or longer is reported as blocking it. */
    static final long IO_THREAD_BLOCKING_THRESHOLD_NANOS = 10_000_000;

    private static final long BLOCKING_REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Settings settings;
    private final Map<Integer, Registration> handlers = new ConcurrentHashMap<>();
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    /** Every accepted connection not yet closed, clients or not (in the handshake, refused): stop() closes them. */
    private final Set<Channel> children = ConcurrentHashMap.newKeySet();

    private final AtomicInteger connections = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong blockedIoThreadRuns =
            new java.util.concurrent.atomic.AtomicLong();
    private final Map<Integer, Long> lastBlockingReport = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private EventLoopGroup workerGroup;
    private ExecutorService ownedExecutor;
    private Executor executor;
    private AddressShares addressShares;
    private AcceptLimiter acceptLimiter;
    private StalledWriteBackoff stalledWriteBackoff;
    private final UnusedConnections unused = new UnusedConnections();
    private Channel serverChannel;
    private boolean started;
    private boolean stopped;

    record Registration(int code, TaskHandler handler, String name) {}

    record Settings(
            InetAddress bindAddress,
            int port,
            Executor executor,
            int taskThreads,
            int ioThreads,
            int maxFrameSize,
            int maxTasksInFlight,
            int maxClients,
            int maxClientsPerAddress,
            int maxTaskThreadsPerAddress,
            int maxAcceptRatePerAddress,
            long maxReadRatePerAddress,
            Duration waitTimeout,
            Duration readTimeout,
            Duration writeTimeout,
            Duration stalledWriteBackoff,
            Duration heartbeatInterval,
            Duration heartbeatTimeout,
            SslContext sslContext,
            boolean handlersOnIoThread,
            int maxProtocolVersion,
            TaskServerListener listener) {}

    private TaskServer(Settings settings) {
        this.settings = settings;
    }

    /** A builder with the safe defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Registers (or replaces) the handler of a task code. May be called before or after {@link #start()}.
     *
     * @param name used in logs and error messages only
     * @throws IllegalArgumentException if {@code code} is negative or in the reserved range (above
     *         {@value #MAX_USER_TASK_CODE})
     */
    public TaskServer register(int code, TaskHandler handler, String name) {
        Objects.requireNonNull(handler, "handler");
        if (code < 0 || code > MAX_USER_TASK_CODE) {
            throw new IllegalArgumentException("task code " + code + " is outside 0.." + MAX_USER_TASK_CODE
                    + "; codes 0xFF00..0xFFFF are reserved for the protocol");
        }
        handlers.put(code, new Registration(code, handler, name == null || name.isEmpty() ? "code " + code : name));
        return this;
    }

    /** The registered task codes, in increasing order. */
    public List<Integer> registeredTaskCodes() {
        return new ArrayList<>(new TreeSet<>(handlers.keySet()));
    }

    Registration registration(int code) {
        return handlers.get(code);
    }

    /**
     * Binds and starts accepting clients; returns once the port is bound.
     *
     * @throws IllegalStateException if already started or stopped
     * @throws java.io.UncheckedIOException wrapping the bind failure
     */
    public TaskServer start() {
        synchronized (lifecycle) {
            if (started) {
                throw new IllegalStateException("TaskServer already started");
            }
            started = true;
            workerGroup = new MultiThreadIoEventLoopGroup(
                    settings.ioThreads(), new DefaultThreadFactory("task-server-io", true), NioIoHandler.newFactory());
            if (settings.executor() != null) {
                executor = settings.executor();
            } else {
                ThreadPoolExecutor pool = new ThreadPoolExecutor(
                        settings.taskThreads(),
                        settings.taskThreads(),
                        30,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(
                                (int) Math.min(100_000L, (long) settings.maxClients() * settings.maxTasksInFlight())),
                        new DefaultThreadFactory("task-server-task", true));
                pool.allowCoreThreadTimeOut(true);
                ownedExecutor = pool;
                executor = pool;
            }
            int threadsPerAddress = settings.maxTaskThreadsPerAddress();
            if (threadsPerAddress < 0) { // the default: half of the server's own pool, none for an executor
                threadsPerAddress = settings.executor() != null ? 0 : Math.max(1, settings.taskThreads() / 2);
            }
            addressShares = new AddressShares(
                    settings.maxClientsPerAddress(), threadsPerAddress, executor, settings.maxReadRatePerAddress());
            stalledWriteBackoff =
                    new StalledWriteBackoff(settings.stalledWriteBackoff().toNanos());
            acceptLimiter = new AcceptLimiter(
                    settings.maxAcceptRatePerAddress(),
                    System.nanoTime(),
                    child -> rejected(
                            TaskServerListener.Rejection.ACCEPT_RATE,
                            child,
                            "reset at the accept: over " + settings.maxAcceptRatePerAddress()
                                    + " connections a second from one address"),
                    stalledWriteBackoff,
                    child -> rejected(
                            TaskServerListener.Rejection.STALLED_WRITE_BACKOFF,
                            child,
                            "reset at the accept: a connection from this address was closed for a stalled write"
                                    + " (it did not read its answers) and it is backing off"));
            ServerBootstrap bootstrap = new ServerBootstrap()
                    // Accepting on an I/O thread: a new client may then start on the thread that accepted it,
                    // one thread hand-off less per connect, and one thread less.
                    .group(workerGroup, workerGroup)
                    .channel(NioServerSocketChannel.class)
                    // Before the acceptor: a connection over its address's accept rate is reset before it has a
                    // pipeline or an event loop.
                    .handler(acceptLimiter)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 128)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Fair reading: one read (at most 64 KiB) per client per turn of its event loop, so that a
                    // client sending back to back cannot make the others on its loop wait for 16 reads.
                    .childOption(
                            ChannelOption.RCVBUF_ALLOCATOR,
                            new AdaptiveRecvByteBufAllocator(64, 2048, 64 * 1024).maxMessagesPerRead(1))
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            initClient(ch);
                        }
                    });
            try {
                serverChannel = bootstrap
                        .bind(settings.bindAddress(), settings.port())
                        .syncUninterruptibly()
                        .channel();
            } catch (Exception e) { // syncUninterruptibly() rethrows the checked BindException as it is
                releaseThreads();
                stopped = true;
                throw new java.io.UncheckedIOException(new java.io.IOException(
                        "cannot bind " + settings.bindAddress().getHostAddress() + ":" + settings.port(), e));
            }
            LOG.log(System.Logger.Level.DEBUG, "task server listening on {0}", serverChannel.localAddress());
            return this;
        }
    }

    private void initClient(SocketChannel ch) {
        int count = connections.incrementAndGet();
        InetAddress host = host(ch);
        boolean admitted = addressShares.connected(host);
        children.add(ch);
        ch.closeFuture().addListener(f -> {
            children.remove(ch);
            connections.decrementAndGet();
            addressShares.disconnected(host);
        });
        String refusal = null;
        TaskServerListener.Rejection reason = null;
        if (!admitted) {
            refusal = "server full for " + host.getHostAddress() + ": " + settings.maxClientsPerAddress()
                    + " connections from one address";
            reason = TaskServerListener.Rejection.ADDRESS_FULL;
        } else if (count > settings.maxClients()) {
            // Full: the newcomer takes the place of the oldest connection that has not sent a task, if any.
            Channel evicted = unused.evictOldest(ch);
            if (evicted == null) {
                refusal = "server full: " + settings.maxClients() + " clients";
                reason = TaskServerListener.Rejection.SERVER_FULL;
            } else {
                rejected(
                        TaskServerListener.Rejection.EVICTED,
                        evicted,
                        "server full: closed (no task sent yet) to make room for " + ch.remoteAddress());
            }
        }
        if (refusal == null) {
            unused.add(ch);
            ch.closeFuture().addListener(f -> unused.remove(ch));
        }
        TokenBucket budget = addressShares.readBudget(host);
        ReadBudget readBudget = budget == null
                ? null
                : new ReadBudget(
                        budget,
                        () -> rejected(
                                TaskServerListener.Rejection.READ_RATE,
                                ch,
                                "over " + settings.maxReadRatePerAddress()
                                        + " bytes a second from one address: reading paused"));
        TaskPipeline.initServer(
                ch, readBudget, settings.sslContext(), new ServerHandshakeHandler(this, reason, refusal));
    }

    /** Tells the {@link Builder#listener listener} what the server refused; never throws. */
    void rejected(TaskServerListener.Rejection reason, Channel ch, String detail) {
        try {
            settings.listener().rejected(reason, host(ch), detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "task server listener failed on " + reason, e);
        }
    }

    /**
     * Runs a client's task on the executor, within its remote address's share of task threads.
     *
     * @param onRejected run if the executor refuses the task after it waited for its address's share
     */
    void execute(InetAddress host, Runnable task, Runnable onRejected) {
        addressShares.execute(host, task, onRejected);
    }

    /** The remote IP address of a client channel (the unspecified address if it is already gone). */
    static InetAddress host(Channel ch) {
        if (ch.remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            return remote.getAddress();
        }
        return UNKNOWN_HOST;
    }

    private static final InetAddress UNKNOWN_HOST = unknownHost();

    private static InetAddress unknownHost() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A client's first task arrived: from now on it is never evicted to make room for a newcomer. */
    void used(Channel channel) {
        unused.remove(channel);
    }

    /** Connections that have not sent a task yet (tests). */
    int unusedConnections() {
        return unused.size();
    }

    /**
     * A client was closed for a stalled write (it did not read its answers within the write timeout): its address
     * backs off before it may connect again.
     */
    void stalledWrite(Channel channel) {
        stalledWriteBackoff.stalled(host(channel), System.nanoTime());
    }

    /** Connections reset at the accept because their address was over its accept rate or backing off (tests). */
    long acceptsReset() {
        return acceptLimiter == null ? 0 : acceptLimiter.reset();
    }

    /** Remote addresses with a connection or a task at the server (tests). */
    int addressesTracked() {
        return addressShares.hosts();
    }

    Settings settings() {
        return settings;
    }

    /**
     * A handler run on an I/O thread took {@code nanos}: counted, and logged at WARNING at most every 10 s per task
     * code.
     */
    void blockedIoThread(Registration registration, long nanos) {
        blockedIoThreadRuns.incrementAndGet();
        long now = System.nanoTime();
        Long last = lastBlockingReport.get(registration.code());
        if (last != null && now - last < BLOCKING_REPORT_INTERVAL_NANOS) {
            return;
        }
        lastBlockingReport.put(registration.code(), now);
        LOG.log(
                System.Logger.Level.WARNING,
                "task {0} ({1}) took {2} ms on an I/O thread (runHandlersOnIoThread): "
                        + "every connection of that thread waited meanwhile. If it blocks, make it non-blocking or leave it "
                        + "to the task executor (wall-clock time: on an overloaded machine this can also be time spent "
                        + "waiting for a CPU; {3} such runs so far)",
                registration.code(),
                registration.name(),
                String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6),
                blockedIoThreadRuns.get());
    }

    /** Runs of handlers on an I/O thread that took at least the blocking threshold (for tests and metrics). */
    long blockedIoThreadRuns() {
        return blockedIoThreadRuns.get();
    }

    Executor executor() {
        return executor;
    }

    void added(ClientSession session) {
        sessions.add(session);
        if (isStopped()) {
            session.close("server stopped");
        }
    }

    void removed(ClientSession session) {
        sessions.remove(session);
    }

    private boolean isStopped() {
        synchronized (lifecycle) {
            return stopped;
        }
    }

    /** The bound address; only after {@link #start()}. */
    public InetSocketAddress localAddress() {
        synchronized (lifecycle) {
            if (serverChannel == null) {
                throw new IllegalStateException("TaskServer not started");
            }
            return (InetSocketAddress) serverChannel.localAddress();
        }
    }

    /** The bound port; only after {@link #start()}. */
    public int port() {
        return localAddress().getPort();
    }

    /** True between {@link #start()} and {@link #stop()}. */
    public boolean isRunning() {
        synchronized (lifecycle) {
            return started && !stopped;
        }
    }

    /** The clients past their handshake, sorted by connect time (oldest first). */
    public List<ConnectedClient> clients() {
        return sessions.stream()
                .sorted(Comparator.comparing(ClientSession::connectedAt).thenComparingLong(ClientSession::sequence))
                .map(ClientSession::view)
                .map(ConnectedClient.class::cast)
                .toList();
    }

    /** The number of clients past their handshake. */
    public int numClients() {
        return sessions.size();
    }

    /** Starts a graceful disconnection of every client (see {@link ConnectedClient#disconnect}). */
    public void disconnectAll(Duration grace) {
        for (ClientSession s : sessions) {
            s.disconnect(grace);
        }
    }

    /**
     * Stops: closes the listening socket, closes every client (their tasks are cancelled), and shuts down the event
     * loops and the executor the server created, waiting a bounded time for each. Idempotent.
     */
    public void stop() {
        synchronized (lifecycle) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (!started) {
                return;
            }
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        List<ClientSession> all = new ArrayList<>(sessions);
        for (ClientSession s : all) {
            s.close("server stopped");
        }
        List<Channel> open = new ArrayList<>(children); // with those still in the handshake or being refused
        for (Channel ch : open) {
            ch.close();
        }
        for (Channel ch : open) {
            ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        releaseThreads();
        // A connection the event loop did not close before it ended (its close could no longer be queued) would
        // keep its socket for good: close those directly, now that no thread can use them.
        for (Channel ch : new ArrayList<>(children)) {
            if (ch.isOpen()) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: closed after the event loop ended", ch);
                ch.unsafe().closeForcibly();
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "task server stopped");
    }

    /**
     * Disconnects every client gracefully, waits until they are gone or {@code grace} has passed, then
     * {@link #stop()}s.
     */
    public void stop(Duration grace) {
        if (isRunning()) {
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            disconnectAll(grace);
            long deadline = System.nanoTime() + grace.toNanos();
            for (ClientSession s : new ArrayList<>(sessions)) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    s.channel().closeFuture().awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
            }
        }
        stop();
    }

    private void releaseThreads() {
        // Task threads first, so that they can still hand their last frames to the event loops.
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
            try {
                if (!ownedExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "task threads still running 5 s after stop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<io.netty.util.concurrent.Future<?>> shutdowns = new ArrayList<>();
        if (workerGroup != null) {
            shutdowns.add(workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS));
        }
        for (io.netty.util.concurrent.Future<?> f : shutdowns) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Settings of a {@link TaskServer}; every one has a safe default. */
    public static final class Builder {
        private InetAddress bindAddress;
        private int port;
        private Executor executor;
        private int taskThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int maxFrameSize = ProtocolDefaults.MAX_FRAME_SIZE;
        private int maxTasksInFlight = ProtocolDefaults.MAX_TASKS_IN_FLIGHT;
        private int maxClients = ProtocolDefaults.MAX_CLIENTS;
        private int maxClientsPerAddress = DEFAULT_MAX_CLIENTS_PER_ADDRESS;
        private int maxTaskThreadsPerAddress = -1;
        private int maxAcceptRatePerAddress = -1;
        private long maxReadRatePerAddress;
        private Duration waitTimeout = ProtocolDefaults.WAIT_TIMEOUT;
        private Duration readTimeout = ProtocolDefaults.READ_TIMEOUT;
        private Duration writeTimeout = ProtocolDefaults.WRITE_TIMEOUT;
        private Duration stalledWriteBackoff = ProtocolDefaults.STALLED_WRITE_BACKOFF;
        private Duration heartbeatInterval = ProtocolDefaults.HEARTBEAT_INTERVAL;
        private Duration heartbeatTimeout = ProtocolDefaults.HEARTBEAT_TIMEOUT;
        private SslContext sslContext;
        private boolean handlersOnIoThread;
        private int maxProtocolVersion = Handshake.VERSION;
        private TaskServerListener listener = TaskServerListener.NONE;

        private Builder() {
            try {
                bindAddress = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        /** The address to bind; default 127.0.0.1 (use "0.0.0.0" to listen on every interface). */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        /** The address to bind, by name or literal. */
        public Builder bindAddress(String host) {
            try {
                return bindAddress(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("unknown bind address " + host, e);
            }
        }

        /** The port; default 0 (a free port, see {@link TaskServer#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The executor of handlers and run functions. The server does not shut it down. Default: a pool of
         * {@link #taskThreads(int)} threads that the server owns.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor);
            return this;
        }

        /** Threads of the default task pool; default max(8, 4 x cores). */
        public Builder taskThreads(int threads) {
            this.taskThreads = ProtocolDefaults.positive(threads, "taskThreads");
            return this;
        }

        /** I/O threads; default the number of cores. */
        public Builder ioThreads(int threads) {
            this.ioThreads = ProtocolDefaults.positive(threads, "ioThreads");
            return this;
        }

        /** The largest frame accepted (length prefix value); default 1 MiB, at least 256. */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = ProtocolDefaults.frameSize(bytes);
            return this;
        }

        /** Tasks one client may have in flight; at the limit the server stops reading from it. Default 64. */
        public Builder maxTasksInFlightPerClient(int tasks) {
            this.maxTasksInFlight = ProtocolDefaults.positive(tasks, "maxTasksInFlightPerClient");
            return this;
        }

        /**
         * The highest protocol version to speak: 2 (the default: task metadata) or 1, for a server that must behave
         * exactly like a version-1 one (it refuses every other version).
         */
        public Builder maxProtocolVersion(int version) {
            if (version < Handshake.MIN_VERSION || version > Handshake.VERSION) {
                throw new IllegalArgumentException("maxProtocolVersion must be 1 or 2: " + version);
            }
            this.maxProtocolVersion = version;
            return this;
        }

        /** Connections at once; beyond, new ones are refused in the handshake. Default 1024. */
        public Builder maxClients(int clients) {
            this.maxClients = ProtocolDefaults.positive(clients, "maxClients");
            return this;
        }

        /**
         * Connections at once from one remote IP address, counted from the accept (before the hello); beyond, new
         * ones are refused in the handshake as "server full" (a retryable refusal). So a single host, with
         * connections that never send their hello or that handshake and stay idle, cannot fill
         * {@link #maxClients(int)}. Default {@value TaskServer#DEFAULT_MAX_CLIENTS_PER_ADDRESS}; clients behind
         * one NAT share the limit.
         */
        public Builder maxClientsPerAddress(int clients) {
            this.maxClientsPerAddress = ProtocolDefaults.positive(clients, "maxClientsPerAddress");
            return this;
        }

        /**
         * Task threads the tasks from one remote IP address may hold at once; its further tasks wait in arrival
         * order (in flight, without a thread) until one of its tasks ends. So clients that never read their
         * answers (their run functions block on the full connection until the write timeout) or send slow tasks
         * from one host cannot take every task thread. Default: half of {@link #taskThreads(int)} for the pool the
         * server owns, no limit with an {@link #executor(Executor)} of the application's (set it here then).
         */
        public Builder maxTaskThreadsPerAddress(int threads) {
            this.maxTaskThreadsPerAddress = ProtocolDefaults.positive(threads, "maxTaskThreadsPerAddress");
            return this;
        }

        /**
         * Connections accepted per second from one remote IP address (a token bucket: a second's worth at once, then
         * this many per second). A connection beyond it is reset (RST) as soon as it is accepted, before it has a
         * pipeline, a timer or TLS state, so that a connect flood from one host costs an accept and a close per
         * connection instead of a handshake each, and the event loops stay with the other clients. Default:
         * {@link #maxClientsPerAddress(int)} per second, so a host can open its whole share at once (a reconnecting
         * herd behind one NAT) and again every second.
         */
        public Builder maxAcceptRatePerAddress(int connectionsPerSecond) {
            this.maxAcceptRatePerAddress = ProtocolDefaults.positive(connectionsPerSecond, "maxAcceptRatePerAddress");
            return this;
        }

        /**
         * Bytes per second the connections of one remote IP address may read together (raw bytes, before TLS); over
         * it, each of them stops reading until the address's budget has refilled. So a host sending maximum-size
         * frames back to back, from however many connections, gets this rate and leaves the event loops to the
         * others. Must be at least {@link #maxFrameSize(int)} per {@link #readTimeout(Duration)} (a frame must be
         * able to arrive within the read timeout). Default: no limit (what a host may send depends on the network and
         * the cores: set it for a server open to clients you do not control).
         */
        public Builder maxReadRatePerAddress(long bytesPerSecond) {
            if (bytesPerSecond <= 0) {
                throw new IllegalArgumentException("maxReadRatePerAddress must be positive: " + bytesPerSecond);
            }
            this.maxReadRatePerAddress = bytesPerSecond;
            return this;
        }

        /**
         * Idle time (no task in flight) after which a client is disconnected with GOODBYE; default 5 min (heartbeats
         * do not count as activity).
         */
        public Builder waitTimeout(Duration timeout) {
            this.waitTimeout = ProtocolDefaults.positive(timeout, "waitTimeout");
            return this;
        }

        /** Time a started frame, or the handshake, may take to arrive; default 5 s. */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = ProtocolDefaults.positive(timeout, "readTimeout");
            return this;
        }

        /** Time a write may take; default 5 s. */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = ProtocolDefaults.positive(timeout, "writeTimeout");
            return this;
        }

        /**
         * How long a remote IP address may not connect after the server closed one of its connections for the write
         * timeout (a client that sends tasks and does not read their answers: each such connection made the server
         * produce megabytes of answers first). It doubles with each further such close, up to 64 times this, and is
         * forgotten once the address stayed clean for as long again; connections accepted meanwhile are reset (RST).
         * Default 1 s.
         */
        public Builder stalledWriteBackoff(Duration backoff) {
            this.stalledWriteBackoff = ProtocolDefaults.positive(backoff, "stalledWriteBackoff");
            return this;
        }

        /** Send PING after this much write silence; default 10 s. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = ProtocolDefaults.positive(interval, "heartbeatInterval");
            return this;
        }

        /** Close a client after this much read silence; default 30 s. */
        public Builder heartbeatTimeout(Duration timeout) {
            this.heartbeatTimeout = ProtocolDefaults.positive(timeout, "heartbeatTimeout");
            return this;
        }

        /**
         * <b>For handlers that never block.</b> Runs handlers and their run functions on the connection's I/O thread,
         * like gRPC's {@code directExecutor()}: no hop to a task thread and back, answers flushed once per read,
         * so small tasks cost less CPU and latency. Default false (the task executor).
         *
         * <p>In this mode a handler must return in microseconds and must never block, sleep, wait for I/O or lock:
         * while it runs, every other connection of that I/O thread waits, and its heartbeats with them. A run that
         * takes 10 ms or more is reported (a WARNING log naming the task code, at most every 10 s per code); move
         * such a handler back to the executor. Cancellation only sets {@link TaskContext#isCancelled()} (the I/O
         * thread is never interrupted), and writes never wait for the client: the whole answer is buffered until
         * the run function returns. Excludes {@link #executor}.
         */
        public Builder runHandlersOnIoThread(boolean onIoThread) {
            this.handlersOnIoThread = onIoThread;
            return this;
        }

        /**
         * Told of every connection and task the server refuses, and of every client it closes for a protocol
         * violation (for metrics and logs); default none.
         */
        public Builder listener(TaskServerListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Serve over TLS with this (server) context; default plain TCP. */
        public Builder sslContext(SslContext context) {
            if (context != null && context.isClient()) {
                throw new IllegalArgumentException("a server SslContext is needed");
            }
            this.sslContext = context;
            return this;
        }

        /**
         * The server, not started yet.
         *
         * @throws IllegalArgumentException if the heartbeat timeout is not longer than the interval
         */
        public TaskServer build() {
            ProtocolDefaults.heartbeat(heartbeatInterval, heartbeatTimeout);
            if (maxReadRatePerAddress > 0
                    && (double) maxReadRatePerAddress * readTimeout.toNanos() / 1e9 < maxFrameSize) {
                throw new IllegalArgumentException("maxReadRatePerAddress " + maxReadRatePerAddress
                        + " bytes/s is too low for a frame of maxFrameSize " + maxFrameSize + " bytes to arrive within"
                        + " the read timeout " + readTimeout + ": set it to at least maxFrameSize / readTimeout");
            }
            if (handlersOnIoThread && executor != null) {
                throw new IllegalArgumentException("runHandlersOnIoThread and executor exclude each other: handlers "
                        + "run either on the I/O threads or on the executor");
            }
            return new TaskServer(new Settings(
                    bindAddress,
                    port,
                    executor,
                    taskThreads,
                    ioThreads,
                    maxFrameSize,
                    maxTasksInFlight,
                    maxClients,
                    maxClientsPerAddress,
                    maxTaskThreadsPerAddress,
                    maxAcceptRatePerAddress > 0 ? maxAcceptRatePerAddress : maxClientsPerAddress,
                    maxReadRatePerAddress,
                    waitTimeout,
                    readTimeout,
                    writeTimeout,
                    stalledWriteBackoff,
                    heartbeatInterval,
                    heartbeatTimeout,
                    sslContext,
                    handlersOnIoThread,
                    maxProtocolVersion,
                    listener));
        }
    }
}
