package dev.persistentconnection;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The clock and the timers of a persistent connection: the engine reads time and
 * schedules its retry timers only through it, so {@link VirtualTimeSource} makes every test deterministic.
 */
public interface TimeSource {

    /**
     * The wall clock, with timers on one daemon thread shared by every persistent connection of the JVM. Timer
     * tasks run on that thread, so the steps they start must not block (the engine's contract).
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }

    /** The wall clock, with timers on the given scheduler (which the caller owns and shuts down). */
    static TimeSource of(ScheduledExecutorService scheduler) {
        return new SchedulerTimeSource(Objects.requireNonNull(scheduler, "scheduler"));
    }

    /** The current time. */
    Instant now();

    /** Runs {@code task} once {@code delay} has passed; a delay of zero or less runs it at once (via the source). */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that has not run yet can be cancelled; cancelling later does nothing. */
    interface Cancellable {
        void cancel();
    }
}

/** Wall-clock time with timers on a scheduler. */
class SchedulerTimeSource implements TimeSource {
    private final ScheduledExecutorService scheduler;

    SchedulerTimeSource(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long nanos = delay.isNegative() ? 0 : saturatedNanos(delay);
        ScheduledFuture<?> future = scheduler.schedule(task, nanos, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    private static long saturatedNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}

/** The JVM-wide default: one lazily started daemon timer thread, whatever the number of connections. */
final class SystemTimeSource extends SchedulerTimeSource {
    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    private SystemTimeSource() {
        super(newScheduler());
    }

    private static ScheduledExecutorService newScheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "persistent-connection-timer");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return scheduler;
    }
}
