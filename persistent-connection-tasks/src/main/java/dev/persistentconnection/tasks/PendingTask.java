package dev.persistentconnection.tasks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One submitted task, from {@link TaskClient#submit} to its last frame: its future, its deadline, and the chunks of an
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
    /** Sent with the task on a version-2 connection. */
    final Map<String, String> metadata;
    // Event loop only:
    /** The answer so far: the first chunk alone (the usual case, no list), then a list. */
    private byte[] first;

    private List<byte[]> chunks;
    private int size;
    /** The request, until it is written. */
    byte[] payload;
    /** The task id, once {@link #sent}. */
    int id;

    boolean sent;
    /** When the task times out ({@link System#nanoTime()}); the connection's one deadline timer watches it. */
    long deadline;
    /** Withdrawn by the client (timeout, cancel, failing sink): CANCEL sent, later frames are dropped. */
    boolean abandoned;

    private PendingTask(
            int code,
            byte[] payload,
            Duration timeout,
            CompletableFuture<byte[]> bytes,
            CompletableFuture<Void> streamed,
            Consumer<byte[]> sink,
            Map<String, String> metadata) {
        this.metadata = Map.copyOf(metadata);
        this.code = code;
        this.payload = payload == null ? new byte[0] : payload;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.bytes = bytes;
        this.streamed = streamed;
        this.sink = sink;
    }

    /** A task whose answer is aggregated into the future's byte array. */
    static PendingTask aggregated(
            int code,
            byte[] payload,
            Duration timeout,
            CompletableFuture<byte[]> future,
            Map<String, String> metadata) {
        return new PendingTask(code, payload, timeout, future, null, null, metadata);
    }

    /** A task whose answer goes to {@code sink} chunk by chunk. */
    static PendingTask streaming(
            int code,
            byte[] payload,
            Duration timeout,
            CompletableFuture<Void> future,
            Consumer<byte[]> sink,
            Map<String, String> metadata) {
        return new PendingTask(
                code, payload, timeout, null, future, Objects.requireNonNull(sink, "chunkSink"), metadata);
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
            throw new java.io.IOException(
                    "answer of task code " + code + " exceeds maxResponseSize " + maxResponseSize);
        } else if (first == null && chunks == null) {
            first = data;
            size += data.length;
        } else {
            if (chunks == null) {
                chunks = new ArrayList<>();
                chunks.add(first);
                first = null;
            }
            chunks.add(data);
            size += data.length;
        }
    }

    boolean fail(Throwable e) {
        first = null;
        chunks = null;
        return future().completeExceptionally(e);
    }

    void complete() {
        if (bytes != null && chunks == null) {
            byte[] only = first != null ? first : new byte[0]; // decoded into its own array: no copy
            first = null;
            bytes.complete(only);
        } else if (bytes != null) {
            byte[] all = new byte[size];
            int at = 0;
            for (byte[] c : chunks) {
                System.arraycopy(c, 0, all, at, c.length);
                at += c.length;
            }
            chunks = null;
            bytes.complete(all);
        } else {
            streamed.complete(null);
        }
    }
}
