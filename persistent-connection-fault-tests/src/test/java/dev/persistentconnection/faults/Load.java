package dev.persistentconnection.faults;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.tasks.ConnectionLostException;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskException;
import dev.persistentconnection.tasks.TaskTimeoutException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Continuous task load through a persistent connection from several threads: each request carries a unique id,
 * each answer is checked, each outcome is classified. At most {@code window} tasks are unfinished at once; a thread
 * that finds no connection waits for one (bounded waits only), and sometimes submits on the last connection it
 * had even if it is closed, as careless callers do.
 */
final class Load {

    enum Outcome {
        SUCCESS,
        LOST,
        TIMEOUT,
        CANCELLED,
        REJECTED,
        WRONG_ANSWER,
        OTHER
    }

    private static final AtomicLong IDS = new AtomicLong();

    final LongAdder submitted = new LongAdder();
    final LongAdder noConnection = new LongAdder();
    final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    final Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
    final Map<Long, Throwable> errors = new ConcurrentHashMap<>();
    private final Map<Outcome, LongAdder> counts = new ConcurrentHashMap<>();
    private final PersistentConnection<InetSocketAddress, TaskClient> engine;
    private final long seed;
    private final int threads;
    private final Semaphore window = new Semaphore(48);
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;

    Load(PersistentConnection<InetSocketAddress, TaskClient> engine, long seed, int threads) {
        this.engine = engine;
        this.seed = seed;
        this.threads = threads;
        for (Outcome o : Outcome.values()) {
            counts.put(o, new LongAdder());
        }
    }

    void start() {
        running = true;
        for (int i = 0; i < threads; i++) {
            Random random = new Random(seed * 31 + i);
            Thread t = new Thread(() -> work(random), "soak-load-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /** Stops submitting and waits for the threads (not for the tasks). */
    void stop() throws InterruptedException {
        running = false;
        for (Thread t : workers) {
            t.join(5_000);
            if (t.isAlive()) {
                throw new IllegalStateException("load thread stuck: " + t + " " + List.of(t.getStackTrace()));
            }
        }
    }

    long count(Outcome o) {
        return counts.get(o).sum();
    }

    long succeeded() {
        return count(Outcome.SUCCESS);
    }

    private void work(Random random) {
        CompletableFuture<TaskClient> next = null;
        TaskClient last = null;
        while (running) {
            try {
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            }
            TaskClient client = null;
            if (last != null && last.isClosed() && random.nextInt(10) == 0) {
                client = last; // a caller that kept a dead connection: must fail fast, not hang
            } else {
                if (next == null
                        || (next.isDone()
                                && next.getNow(null) != null
                                && next.getNow(null).isClosed())) {
                    next = engine.connected();
                }
                try {
                    client = next.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    noConnection.increment();
                } catch (InterruptedException e) {
                    window.release();
                    return;
                } catch (ExecutionException | CancellationException e) {
                    next = null;
                }
            }
            if (client == null) {
                window.release();
                continue;
            }
            pause(2 + random.nextInt(6)); // a few hundred tasks per second per thread: load, not a CPU burner
            last = client;
            long id = IDS.incrementAndGet();
            submitted.increment();
            CompletableFuture<byte[]> f =
                    client.submit(ExecutingServer.ECHO, ExecutingServer.payload(id, random.nextInt(4)));
            pending.put(id, f);
            f.whenComplete((answer, error) -> {
                Outcome o = classify(id, answer, error);
                outcomes.put(id, o);
                counts.get(o).increment();
                pending.remove(id);
                window.release();
            });
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Outcome classify(long id, byte[] answer, Throwable error) {
        if (error == null) {
            if (answer != null && answer.length == 12 && ExecutingServer.requestId(answer) == id) {
                return Outcome.SUCCESS;
            }
            errors.put(id, new IllegalStateException("wrong answer " + java.util.Arrays.toString(answer)));
            return Outcome.WRONG_ANSWER;
        }
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof ConnectionLostException) {
            return Outcome.LOST;
        }
        if (e instanceof TaskTimeoutException) {
            return Outcome.TIMEOUT;
        }
        if (e instanceof TaskException t && t.errorCode() == TaskException.CANCELLED) {
            return Outcome.CANCELLED;
        }
        if (e instanceof TaskException t
                && (t.errorCode() == TaskException.SERVER_CLOSING || t.errorCode() == TaskException.SERVER_BUSY)) {
            return Outcome.REJECTED;
        }
        errors.put(id, e);
        return Outcome.OTHER;
    }
}
