package dev.persistentconnection;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wakes a callback from any thread, coalescing bursts (libuv's async handle, {@code uv_async_send}): the sends that
 * arrive before the callback starts give one run, a send during a run gives exactly one more run, and the callback
 * never runs twice at once. The persistent connection uses it with a direct executor as its mailbox: whichever
 * thread posts work either runs the engine or leaves the work to the thread already running it, with no lock.
 */
public final class Wakeup implements AutoCloseable {

    private static final int IDLE = 0;
    private static final int SCHEDULED = 1;
    private static final int RUNNING = 2;
    private static final int RUNNING_AND_SENT = 3;
    private static final int CLOSED = 4;

    private final Executor executor;
    private final Runnable callback;
    private final AtomicInteger state = new AtomicInteger(IDLE);

    private Wakeup(Executor executor, Runnable callback) {
        this.executor = executor;
        this.callback = callback;
    }

    /**
     * A wakeup whose callback runs on {@code executor}. With a direct executor ({@code Runnable::run}) the callback
     * runs on the sending thread, unless another thread is running it, which then runs it once more.
     */
    public static Wakeup create(Executor executor, Runnable callback) {
        return new Wakeup(Objects.requireNonNull(executor, "executor"), Objects.requireNonNull(callback, "callback"));
    }

    /**
     * Asks for a run of the callback; safe from any thread, never blocks.
     *
     * @throws RejectedExecutionException if the executor refuses the run (the wakeup stays usable)
     */
    public void send() {
        while (true) {
            int current = state.get();
            switch (current) {
                case IDLE -> {
                    if (state.compareAndSet(IDLE, SCHEDULED)) {
                        try {
                            executor.execute(this::run);
                        } catch (RuntimeException rejected) {
                            state.compareAndSet(SCHEDULED, IDLE);
                            throw rejected;
                        }
                        return;
                    }
                }
                case RUNNING -> {
                    if (state.compareAndSet(RUNNING, RUNNING_AND_SENT)) {
                        return;
                    }
                }
                default -> {
                    return; // already scheduled, already asked for one more run, or closed
                }
            }
        }
    }

    /** False once {@link #close()} has been called. */
    public boolean isActive() {
        return state.get() != CLOSED;
    }

    /** No run starts after this returns; a run already under way finishes. Idempotent. */
    @Override
    public void close() {
        state.set(CLOSED);
    }

    private void run() {
        if (!state.compareAndSet(SCHEDULED, RUNNING)) {
            return; // closed before the executor got to it
        }
        while (true) {
            try {
                callback.run();
            } catch (RuntimeException | Error failure) {
                if (state.getAndUpdate(s -> s == RUNNING_AND_SENT ? SCHEDULED : s == RUNNING ? IDLE : s)
                        == RUNNING_AND_SENT) {
                    try {
                        executor.execute(this::run);
                    } catch (RuntimeException rejected) {
                        state.compareAndSet(SCHEDULED, IDLE); // not stuck as "scheduled": the next send() retries
                        failure.addSuppressed(rejected);
                    }
                }
                throw failure;
            }
            if (state.compareAndSet(RUNNING, IDLE)) {
                return;
            }
            if (!state.compareAndSet(RUNNING_AND_SENT, RUNNING)) {
                return; // closed during the run
            }
        }
    }
}
