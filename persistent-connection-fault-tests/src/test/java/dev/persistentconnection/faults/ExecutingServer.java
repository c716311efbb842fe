package dev.persistentconnection.faults;

import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskServer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link TaskServer} that can crash and come back on the same port, with an execution log shared by all its
 * incarnations. Task {@link #ECHO}'s payload is {@link #payload(long, int)}: an 8-byte request id and the time the
 * run function sleeps; the answer is the payload itself. The log counts executions per request id (a run function
 * that starts is an execution, whatever happens next).
 *
 * <p>The task threads belong to this harness (a fixed, prestarted pool shared by every incarnation), so that the
 * thread count does not depend on load; every incarnation's I/O threads are the server's own.
 */
public final class ExecutingServer implements AutoCloseable {

    public static final int ECHO = 1;

    /**
     * One execution of a request id: how many times, on which server connection, and that connection's client port
     * (read while it is open).
     */
    public static final class Execution {
        public final AtomicInteger count = new AtomicInteger();
        public final List<ConnectedClient> connections = new CopyOnWriteArrayList<>();
        public final List<Integer> remotePorts = new CopyOnWriteArrayList<>();
    }

    private final Map<Long, Execution> executions = new ConcurrentHashMap<>();
    private final List<ConnectedClient> allClients = new CopyOnWriteArrayList<>();
    private final ExecutorService pool;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final AtomicInteger incarnations = new AtomicInteger();
    private volatile TaskServer server;
    private final List<TaskServer> everyIncarnation = new CopyOnWriteArrayList<>();
    private int port;

    public ExecutingServer(Duration heartbeatInterval, Duration heartbeatTimeout) {
        this.heartbeatInterval = heartbeatInterval;
        this.heartbeatTimeout = heartbeatTimeout;
        ThreadPoolExecutor p = new ThreadPoolExecutor(8, 8, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "exec-server-task-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        p.prestartAllCoreThreads();
        this.pool = p;
        start();
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    public static byte[] payload(long requestId, int sleepMillis) {
        return ByteBuffer.allocate(12).putLong(requestId).putInt(sleepMillis).array();
    }

    public static long requestId(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong();
    }

    /** Starts an incarnation (on the port of the first one). */
    public synchronized ExecutingServer start() {
        if (server != null && server.isRunning()) {
            return this;
        }
        TaskServer s = null;
        RuntimeException last = null;
        for (int i = 0; i < 100 && s == null; i++) {
            TaskServer candidate = newServer();
            try {
                candidate.start();
                s = candidate;
            } catch (RuntimeException e) { // the port may still be held for a moment
                last = e;
                sleepQuietly(20);
            }
        }
        if (s == null) {
            throw last;
        }
        port = s.port();
        server = s;
        everyIncarnation.add(s);
        incarnations.incrementAndGet();
        return this;
    }

    private TaskServer newServer() {
        TaskServer s = TaskServer.builder()
                .port(port)
                .executor(pool)
                .heartbeatInterval(heartbeatInterval)
                .heartbeatTimeout(heartbeatTimeout)
                .ioThreads(1)
                .build();
        s.register(
                ECHO,
                request -> {
                    byte[] payload = request.payload();
                    ByteBuffer b = ByteBuffer.wrap(payload);
                    long id = b.getLong();
                    int sleep = b.getInt();
                    Execution e = executions.computeIfAbsent(id, k -> new Execution());
                    e.remotePorts.add(((InetSocketAddress) request.client().remoteAddress()).getPort());
                    e.connections.add(request.client());
                    e.count.incrementAndGet();
                    return context -> {
                        if (sleep > 0) {
                            Thread.sleep(sleep);
                        }
                        context.write(payload);
                    };
                },
                "echo");
        return s;
    }

    /** Stops abruptly (a crash): every client is cut, tasks in flight are cancelled. */
    public synchronized void crash() {
        remember();
        server.stop();
    }

    /** Stops gracefully: GOODBYE, tasks in flight finish (within {@code grace}), then the clients are closed. */
    public synchronized void stopGracefully(Duration grace) {
        remember();
        server.stop(grace);
    }

    private void remember() {
        allClients.addAll(server.clients());
    }

    /**
     * What the current incarnation's event loops watch, and the connections any incarnation has not closed (for
     * leak reports).
     */
    public List<String> describeChannels() {
        TaskServer s = server;
        List<String> out = new java.util.ArrayList<>(s == null ? List.of() : EventLoopChannels.describe(s));
        for (int i = 0; i < everyIncarnation.size(); i++) {
            for (String c : EventLoopChannels.openConnections(everyIncarnation.get(i))) {
                out.add("incarnation " + (i + 1) + " " + c);
            }
        }
        return out;
    }

    public boolean isRunning() {
        TaskServer s = server;
        return s != null && s.isRunning();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    public int numClients() {
        TaskServer s = server;
        return s == null || !s.isRunning() ? 0 : s.numClients();
    }

    public int incarnations() {
        return incarnations.get();
    }

    public Map<Long, Execution> executions() {
        return executions;
    }

    /** Requests that ran more than once. */
    public Map<Long, Integer> executedMoreThanOnce() {
        Map<Long, Integer> twice = new java.util.TreeMap<>();
        executions.forEach((id, e) -> {
            if (e.count.get() > 1) {
                twice.put(id, e.count.get());
            }
        });
        return twice;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop();
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
