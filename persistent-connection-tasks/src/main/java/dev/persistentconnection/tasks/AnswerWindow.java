package dev.persistentconnection.tasks;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flow control of the answers that run functions stream to one client. A run function's thread hands a chunk over
 * only while the channel is writable and fewer than {@link #HIGH_WATER_MARK} answer bytes wait to be written;
 * otherwise it waits in {@link #await()} until a change that can end the wait wakes it. Netty's own writability only
 * sees a message once the event loop has encoded it, so without the byte count a fast producer could queue without
 * bound in the event loop's task queue. Thread-safe.
 */
final class AnswerWindow {
    /** Answer bytes a client's run functions may have queued before their writes block. */
    static final long HIGH_WATER_MARK = 256 * 1024;

    private final Channel channel;
    private final Object lock = new Object();
    /** Answer bytes handed to the channel and not yet written to the socket. Any thread. */
    private final AtomicLong queued = new AtomicLong();

    AnswerWindow(Channel channel) {
        this.channel = channel;
    }

    /** A run function's thread handed over a chunk of {@code n} bytes: counted until it is written. */
    void handedOver(int n) {
        queued.addAndGet(n);
    }

    /** Writes a chunk handed over earlier (event loop; the caller flushes), uncounting it once written or failed. */
    void write(Frame.Ok chunk) {
        int n = chunk.length();
        channel.write(chunk).addListener(f -> {
            if (queued.addAndGet(-n) < HIGH_WATER_MARK) {
                changed();
            }
        });
    }

    /** True when a run function may hand over another chunk. */
    boolean accepts() {
        return channel.isWritable() && queued.get() < HIGH_WATER_MARK;
    }

    /**
     * Waits until {@link #accepts()} or the channel has closed. Every change that can end the wait calls
     * {@link #changed()} under the same lock (Netty's writability event, a write that brings the count under the
     * mark, the close), so no wake-up is lost and no polling is needed; a cancelled task's thread is interrupted.
     */
    void await() throws InterruptedException {
        synchronized (lock) {
            while (!accepts() && channel.isActive()) {
                lock.wait();
            }
        }
    }

    /** Wakes the run functions waiting in {@link #await()}: writability changed, bytes were written, or closed. */
    void changed() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Answer bytes handed to the channel and not yet written to the socket. */
    long queuedBytes() {
        return queued.get();
    }
}
