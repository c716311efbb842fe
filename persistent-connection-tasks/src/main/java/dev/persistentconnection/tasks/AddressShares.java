package dev.persistentconnection.tasks;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * What one remote host may take of a {@link TaskServer}: at most {@code maxConnections} connections (counted from
 * the accept, before the handshake), and at most {@code maxTaskThreads} tasks running at once on the task executor
 * (the host's further tasks wait here in arrival order, without a thread). So one host, however many connections it
 * opens, whether it never sends its hello or never reads its answers, leaves the rest of the server to the others.
 * Shares are created on a host's first connection and dropped when it has nothing left.
 */
final class AddressShares {
    private final int maxConnections;
    private final int maxTaskThreads;
    private final Executor executor;
    /** Bytes per second the connections of one host may read together; 0 for no limit. */
    private final long readBytesPerSecond;

    private final Map<InetAddress, Share> shares = new ConcurrentHashMap<>();

    /** A task waiting for a thread, and what to do if the executor then refuses it. */
    private record Waiting(Runnable task, Runnable onRejected) {}

    private static final class Share {
        int connections;
        int running;
        /** The host's read budget, shared by its connections (null without a limit). */
        TokenBucket readBudget;

        final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

        boolean isEmpty() {
            return connections == 0 && running == 0 && waiting.isEmpty();
        }
    }

    /** @param maxTaskThreads 0 for no limit */
    AddressShares(int maxConnections, int maxTaskThreads, Executor executor) {
        this(maxConnections, maxTaskThreads, executor, 0);
    }

    /**
     * @param maxTaskThreads 0 for no limit
     * @param readBytesPerSecond bytes per second one host's connections may read together, 0 for no limit
     */
    AddressShares(int maxConnections, int maxTaskThreads, Executor executor, long readBytesPerSecond) {
        this.maxConnections = maxConnections;
        this.maxTaskThreads = maxTaskThreads;
        this.executor = executor;
        this.readBytesPerSecond = readBytesPerSecond;
    }

    /** Counts a new connection from {@code host}; false if it is over the host's limit (count it all the same). */
    boolean connected(InetAddress host) {
        boolean[] admitted = new boolean[1];
        shares.compute(host, (h, share) -> {
            Share s = share == null ? new Share() : share;
            s.connections++;
            admitted[0] = s.connections <= maxConnections;
            return s;
        });
        return admitted[0];
    }

    /**
     * The read budget of a connected host, shared by its connections (a second's worth of bytes at first); null
     * without a limit. Only between {@link #connected} and {@link #disconnected}, while the share exists.
     */
    TokenBucket readBudget(InetAddress host) {
        if (readBytesPerSecond <= 0) {
            return null;
        }
        TokenBucket[] budget = new TokenBucket[1];
        shares.computeIfPresent(host, (h, s) -> {
            if (s.readBudget == null) {
                s.readBudget = new TokenBucket(readBytesPerSecond, readBytesPerSecond, System.nanoTime());
            }
            budget[0] = s.readBudget;
            return s;
        });
        return budget[0];
    }

    void disconnected(InetAddress host) {
        shares.computeIfPresent(host, (h, s) -> {
            s.connections--;
            return s.isEmpty() ? null : s;
        });
    }

    /**
     * Runs {@code task} on the executor now, or once one of the host's running tasks ends.
     *
     * @param onRejected run (on a task thread) if the executor refuses the task later, after it waited here
     * @throws RejectedExecutionException if the executor refuses it now
     */
    void execute(InetAddress host, Runnable task, Runnable onRejected) {
        if (maxTaskThreads <= 0) {
            executor.execute(task);
            return;
        }
        boolean[] now = new boolean[1];
        shares.compute(host, (h, share) -> {
            Share s = share == null ? new Share() : share;
            if (s.running < maxTaskThreads) {
                s.running++;
                now[0] = true;
            } else {
                s.waiting.add(new Waiting(task, onRejected));
            }
            return s;
        });
        if (now[0]) {
            try {
                executor.execute(() -> runThenNext(host, task));
            } catch (RejectedExecutionException e) {
                ended(host);
                throw e;
            }
        }
    }

    private void runThenNext(InetAddress host, Runnable task) {
        try {
            task.run();
        } finally {
            ended(host);
        }
    }

    /** One of the host's tasks ended: start its next waiting one, if any. */
    private void ended(InetAddress host) {
        Waiting[] next = new Waiting[1];
        shares.computeIfPresent(host, (h, s) -> {
            next[0] = s.waiting.poll();
            if (next[0] == null) {
                s.running--;
            }
            return s.isEmpty() ? null : s;
        });
        if (next[0] != null) {
            Waiting w = next[0];
            try {
                executor.execute(() -> runThenNext(host, w.task()));
            } catch (RejectedExecutionException e) {
                try {
                    w.onRejected().run();
                } finally {
                    ended(host);
                }
            }
        }
    }

    /** Tasks of {@code host} running on the executor now (tests). */
    int running(InetAddress host) {
        Share s = shares.get(host);
        return s == null ? 0 : s.running;
    }

    /** Hosts with a share (tests: none once every connection and task is gone). */
    int hosts() {
        return shares.size();
    }
}
