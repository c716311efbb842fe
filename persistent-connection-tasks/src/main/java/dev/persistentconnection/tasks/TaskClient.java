package dev.persistentconnection.tasks;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One connection to a {@link TaskServer}, multiplexing many concurrent tasks by task id. Obtain it from a
 * {@link TaskConnector} (usually through a {@code PersistentConnection}). Thread-safe: every method may be called
 * from any thread; the connection's state lives on its event loop.
 *
 * <p>No future ever hangs: each task ends with its answer, a {@link TaskException} from the server, a
 * {@link TaskTimeoutException} after its timeout, a cancellation, or a {@link ConnectionLostException} when the
 * connection closes for any reason. The client never has more tasks at the server than the server's limit
 * (announced in the handshake); submissions beyond it wait in the client, in order.
 *
 * <p>Cancelling a returned future ({@code future.cancel(true)}) cancels the task: the client sends CANCEL and the
 * server interrupts the run function. (Cancelling a future derived from it with {@code thenApply} and the like
 * does not reach the task.)
 *
 * <p>Futures complete, and streaming sinks are called, on the connection's I/O thread: callbacks must not block
 * (use the {@code *Async} variants of {@code CompletableFuture} to move work elsewhere).
 */
public final class TaskClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TaskClient.class.getName());

    private final TaskClientHandler handler;

    TaskClient(TaskClientHandler handler) {
        this.handler = handler;
    }

    TaskClientHandler handler() {
        return handler;
    }

    /**
     * Runs task {@code code} with {@code payload} and collects its whole answer, with the default task timeout.
     *
     * @throws IllegalArgumentException (in the future) if the code is reserved or the payload does not fit a frame
     */
    public CompletableFuture<byte[]> submit(int code, byte[] payload) {
        return submit(code, payload, handler.options().taskTimeout());
    }

    /** Like {@link #submit(int, byte[])} with a timeout for this task. */
    public CompletableFuture<byte[]> submit(int code, byte[] payload, Duration timeout) {
        return submit(code, payload, timeout, Map.of());
    }

    /**
     * Like {@link #submit(int, byte[], Duration)} with metadata: small key/value pairs the server's handler reads
     * with {@link TaskRequest#metadata()} (a trace context, for example), at most 4096 bytes encoded. They travel
     * on protocol version 2 connections only (see {@link #protocolVersion()}); on version 1 the task goes without.
     *
     * @throws IllegalArgumentException (in the future) if the metadata is over its limit
     */
    public CompletableFuture<byte[]> submit(int code, byte[] payload, Duration timeout, Map<String, String> metadata) {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        submit(PendingTask.aggregated(code, payload, timeout, future, metadata));
        return future;
    }

    /**
     * Runs task {@code code} and hands each chunk of its answer to {@code chunkSink} as it arrives, on the
     * connection's I/O thread and in order; nothing is aggregated, so an answer of any size uses bounded memory
     * (a slow sink slows the server down through TCP flow control). The future completes when the answer ends.
     * If the sink throws, the task is cancelled and the future fails with what it threw.
     */
    public CompletableFuture<Void> submitStreaming(int code, byte[] payload, Consumer<byte[]> chunkSink) {
        return submitStreaming(code, payload, chunkSink, handler.options().taskTimeout());
    }

    /** Like {@link #submitStreaming(int, byte[], Consumer)} with a timeout for this task. */
    public CompletableFuture<Void> submitStreaming(
            int code, byte[] payload, Consumer<byte[]> chunkSink, Duration timeout) {
        return submitStreaming(code, payload, chunkSink, timeout, Map.of());
    }

    /** Like {@link #submitStreaming(int, byte[], Consumer, Duration)} with metadata, as {@link #submit(int, byte[], Duration, Map)}. */
    public CompletableFuture<Void> submitStreaming(
            int code, byte[] payload, Consumer<byte[]> chunkSink, Duration timeout, Map<String, String> metadata) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        submit(PendingTask.streaming(code, payload, timeout, future, chunkSink, metadata));
        return future;
    }

    private void submit(PendingTask t) {
        if (t.code < 0 || t.code > TaskServer.MAX_USER_TASK_CODE) {
            t.fail(new IllegalArgumentException("task code " + t.code + " is outside 0.."
                    + TaskServer.MAX_USER_TASK_CODE + "; codes 0xFF00..0xFFFF are reserved"));
        } else if (t.payload.length > maxPayloadSize()) {
            t.fail(new IllegalArgumentException(
                    "payload of " + t.payload.length + " bytes exceeds the server's limit of " + maxPayloadSize()));
        } else if (!t.metadata.isEmpty() && !metadataFits(t)) {
            return;
        } else {
            handler.submit(t);
        }
    }

    /** Cancels every unfinished task of this client (each future completes as cancelled). */
    public void cancelAll() {
        handler.cancelAll();
    }

    /** The number of submitted tasks whose future has not completed yet. */
    int pendingTasks() {
        return handler.unfinished();
    }

    /**
     * Closes gracefully: new submissions fail at once, tasks not yet sent fail with {@link ConnectionLostException},
     * the server is told GOODBYE, and the connection closes when the tasks at the server have answered or after
     * {@code grace}, whichever comes first.
     *
     * @return {@link #closeFinished()}
     */
    public CompletableFuture<Void> disconnect(Duration grace) {
        return handler.disconnect(grace);
    }

    /** Closes now; unfinished tasks fail with {@link ConnectionLostException}. Returns {@link #closeFinished()}. */
    public CompletableFuture<Void> closeAsync() {
        handler.close("closed by the client");
        return handler.closeFinished();
    }

    /** Closes now and waits (at most 5 s) until the socket is closed. */
    @Override
    public void close() {
        try {
            closeAsync().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "close of {0} not finished: {1}", this, e);
        }
    }

    /** True once a close started, on either side. */
    public boolean isClosed() {
        return handler.isClosed();
    }

    /** Completes when the socket is closed, for whatever reason; does not start a close. */
    public CompletableFuture<Void> closeFinished() {
        return handler.closeFinished();
    }

    /** Why the connection closed or is closing (or draining, after a GOODBYE), once it is. */
    public Optional<String> closeReason() {
        return Optional.ofNullable(handler.closeReason());
    }

    /** The server's address. */
    public InetSocketAddress remoteAddress() {
        return handler.remoteAddress();
    }

    /** The server's limit on this client's tasks in flight, from the handshake. */
    public int serverMaxTasksInFlight() {
        return handler.serverMaxInFlight();
    }

    /** The protocol version the connection speaks: 2 when both sides do (task metadata), else 1. */
    public int protocolVersion() {
        return handler.protocolVersion();
    }

    private boolean metadataFits(PendingTask t) {
        int size;
        try {
            size = TaskMetadata.size(t.metadata);
        } catch (IllegalArgumentException e) {
            t.fail(e);
            return false;
        }
        if (protocolVersion() >= 2 && t.payload.length + 2 + size > maxPayloadSize()) {
            t.fail(new IllegalArgumentException("payload of " + t.payload.length + " bytes and metadata of " + size
                    + " bytes exceed the server's limit of " + maxPayloadSize()));
            return false;
        }
        return true;
    }

    /** The largest request payload the server accepts. */
    public int maxPayloadSize() {
        return handler.maxPayloadSize();
    }

    @Override
    public String toString() {
        return "TaskClient[" + handler.channel().localAddress() + "->" + handler.remoteAddress()
                + (isClosed() ? ", closed" : "") + "]";
    }
}
