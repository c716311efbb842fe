package dev.persistentconnection.transports;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Counts the bytes accepted by {@code send} and not yet written, against a limit. */
final class OutboundBuffer {
    private final String name;
    private final long maxBytes;
    private final WhenFull whenFull;
    private final long waitNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long pending;
    private boolean closed;

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
        lock.lock();
        try {
            long remaining = waitNanos;
            while (!closed && pending > 0 && pending + bytes > maxBytes) {
                if (whenFull == WhenFull.FAIL || !mayWait || remaining <= 0) {
                    return new OutboundBufferFullException("the outbound buffer of " + name + " is full: " + pending
                            + " bytes not yet written, limit " + maxBytes + " (the peer reads slower than we send)");
                }
                try {
                    remaining = released.awaitNanos(remaining);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new OutboundBufferFullException("interrupted while waiting for room in the outbound buffer of "
                            + name);
                }
            }
            pending += bytes;
            return null;
        }
        finally {
            lock.unlock();
        }
    }

    void release(long bytes) {
        lock.lock();
        try {
            pending -= bytes;
            released.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    /** Wakes every waiting sender; they go on and find the session closed. */
    void close() {
        lock.lock();
        try {
            closed = true;
            released.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    long pending() {
        lock.lock();
        try {
            return pending;
        }
        finally {
            lock.unlock();
        }
    }

    static long nanos(java.time.Duration d) {
        return TimeUnit.NANOSECONDS.convert(d);
    }
}
