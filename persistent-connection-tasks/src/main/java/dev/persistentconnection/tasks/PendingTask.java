package dev.persistentconnection.tasks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * One submitted task, from {@link TaskClient#submit} to its last frame: its future, its timer, and the chunks of an
 * aggregated answer. The future may complete on any thread (a caller cancelling it); everything else is touched on
 * the connection's event loop only.
 */
final class PendingTask {
    final int code;
    final Duration timeout;
    /** The future of {@link TaskClient#submit}, or null for a streaming task. */
    private final CompletableFuture<byte[]> bytes;
    /** The future of {@link TaskClient#submitStreaming}, or null for an aggregated task. */
    private final CompletableFuture<Void> streamed;
    /** Where a streaming task's chunks go, or null. */
    final Consumer<byte[]> sink;
    // Event loop only:
    private final List<byte[]> chunks = new ArrayList<>();
    private int size;
    /** The request, until it is written. */
    byte[] payload;
    /** The task id, once sent. */
    Integer id;
    /** Withdrawn by the client (timeout, cancel, failing sink): CANCEL sent, later frames are dropped. */
    boolean abandoned;
    ScheduledFuture<?> timer;

    private PendingTask(int code, byte[] payload, Duration timeout, CompletableFuture<byte[]> bytes,
            CompletableFuture<Void> streamed, Consumer<byte[]> sink) {
        this.code = code;
        this.payload = payload == null ? new byte[0] : payload;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.bytes = bytes;
        this.streamed = streamed;
        this.sink = sink;
    }

    /** A task whose answer is aggregated into the future's byte array. */
    static PendingTask aggregated(int code, byte[] payload, Duration timeout, CompletableFuture<byte[]> future) {
        return new PendingTask(code, payload, timeout, future, null, null);
    }

    /** A task whose answer goes to {@code sink} chunk by chunk. */
    static PendingTask streaming(int code, byte[] payload, Duration timeout, CompletableFuture<Void> future,
            Consumer<byte[]> sink) {
        return new PendingTask(code, payload, timeout, null, future, Objects.requireNonNull(sink, "chunkSink"));
    }

    CompletableFuture<?> future() {
        return bytes != null ? bytes : streamed;
    }

    boolean isDone() {
        return future().isDone();
    }

    /** Adds a chunk of an aggregated answer, failing the task past {@code maxResponseSize}. */
    void accept(byte[] data, int maxResponseSize) throws java.io.IOException {
        if (sink != null) {
            sink.accept(data);
        } else if ((long) size + data.length > maxResponseSize) {
            throw new java.io.IOException("answer of task code " + code + " exceeds maxResponseSize "
                    + maxResponseSize);
        } else {
            chunks.add(data);
            size += data.length;
        }
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    boolean fail(Throwable e) {
        chunks.clear();
        return future().completeExceptionally(e);
    }

    void complete() {
        if (bytes != null) {
            byte[] all = new byte[size];
            int at = 0;
            for (byte[] c : chunks) {
                System.arraycopy(c, 0, all, at, c.length);
                at += c.length;
            }
            chunks.clear();
            bytes.complete(all);
        } else {
            streamed.complete(null);
        }
    }
}
