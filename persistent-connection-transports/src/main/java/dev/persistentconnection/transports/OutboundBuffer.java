package dev.persistentconnection.transports;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts the bytes accepted by {@code send} and not yet written, against a limit. Taking and giving back room is
 * lock-free; only a sender that waits for room ({@link WhenFull#WAIT}) takes the lock.
 */
final class OutboundBuffer {
    private final String name;
    private final long maxBytes;
    private final WhenFull whenFull;
    private final long waitNanos;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicInteger waiters = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private volatile boolean closed;

    OutboundBuffer(String name, long maxBytes, WhenFull whenFull, long waitNanos) {
        this.name = name;
        this.maxBytes = maxBytes;
        this.whenFull = whenFull;
        this.waitNanos = waitNanos;
    }

    /**
     * Takes room for {@code bytes}, waiting if configured and allowed. A message bigger than the whole buffer is
     * still accepted when the buffer is empty, so that one large message cannot block a connection for ever.
     *
     * @return null when taken, otherwise the error to fail the send with
     */
    RuntimeException reserve(long bytes, boolean mayWait) {
        if (tryReserve(bytes)) {
            return null;
        }
        if (whenFull == WhenFull.FAIL || !mayWait || waitNanos <= 0) {
            return full();
        }
        waiters.incrementAndGet();
        lock.lock();
        try {
            long remaining = waitNanos;
            while (!tryReserve(bytes)) {
                if (remaining <= 0) {
                    return full();
                }
                try {
                    remaining = released.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new OutboundBufferFullException(
                            "interrupted while waiting for room in the outbound " + "buffer of " + name);
                }
            }
            return null;
        } finally {
            lock.unlock();
            waiters.decrementAndGet();
        }
    }

    private boolean tryReserve(long bytes) {
        while (true) {
            long current = pending.get();
            if (!closed && current > 0 && current + bytes > maxBytes) {
                return false;
            }
            if (pending.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    private OutboundBufferFullException full() {
        return new OutboundBufferFullException("the outbound buffer of " + name + " is full: " + pending.get()
                + " bytes not yet written, limit " + maxBytes + " (the peer reads slower than we send)");
    }

    void release(long bytes) {
        pending.addAndGet(-bytes);
        if (waiters.get() > 0) {
            signal();
        }
    }

    /** Wakes every waiting sender; they go on and find the session closed. */
    void close() {
        closed = true;
        signal();
    }

    private void signal() {
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long pending() {
        return pending.get();
    }

    static long nanos(java.time.Duration d) {
        return TimeUnit.NANOSECONDS.convert(d);
    }
}
