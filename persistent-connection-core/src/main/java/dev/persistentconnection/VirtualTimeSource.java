package dev.persistentconnection;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A clock that moves only when told to. Timers fire inside
 * {@link #advanceBy}/{@link #advanceTo}, in time order and on the calling thread, so when that call returns all the
 * work the timers made possible is done. Thread-safe, though tests normally drive it from one thread.
 */
public final class VirtualTimeSource implements TimeSource {

    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private Instant now = Instant.EPOCH;
    private long sequence;

    /** A clock at {@link Instant#EPOCH} with no timers. */
    public VirtualTimeSource() {}

    @Override
    public synchronized Instant now() {
        return now;
    }

    /** Schedules {@code task} at {@code now + delay}; a delay of zero or less runs it at once, on this thread. */
    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(task, "task");
        if (delay.isNegative() || delay.isZero()) {
            task.run();
            return () -> {};
        }
        Timer timer;
        synchronized (this) {
            timer = new Timer(plusSaturated(now, delay), sequence++, task);
            timers.add(timer);
        }
        return () -> {
            synchronized (this) {
                timers.remove(timer);
            }
        };
    }

    /** Moves the clock forward by {@code d}, firing every timer that falls due, in time order. */
    public void advanceBy(Duration d) {
        Objects.requireNonNull(d, "d");
        if (d.isNegative()) {
            throw new IllegalArgumentException("cannot advance time by a negative duration: " + d);
        }
        advanceTo(plusSaturated(now(), d));
    }

    /**
     * Moves the clock to {@code t}, firing every timer due at or before {@code t} (alarms fire when the time reaches
     * them), including timers that the fired tasks schedule within the window. Going back in time is refused.
     */
    public void advanceTo(Instant t) {
        Objects.requireNonNull(t, "t");
        synchronized (this) {
            if (t.isBefore(now)) {
                throw new IllegalArgumentException("cannot move time back from " + now + " to " + t);
            }
        }
        while (true) {
            Timer due;
            synchronized (this) {
                due = timers.peek();
                if (due == null || due.at.isAfter(t)) {
                    now = t;
                    return;
                }
                timers.poll();
                now = due.at;
            }
            due.task.run();
        }
    }

    /** Timers scheduled and neither fired nor cancelled. */
    public synchronized int pendingTimers() {
        return timers.size();
    }

    private static Instant plusSaturated(Instant from, Duration d) {
        try {
            return from.plus(d);
        } catch (ArithmeticException | java.time.DateTimeException tooFar) {
            return Instant.MAX;
        }
    }

    private record Timer(Instant at, long sequence, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byTime = at.compareTo(other.at);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
