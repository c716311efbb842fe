package dev.persistentconnection.tasks;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    private final Channel channel;
    private final EventLoop loop;
    private final TaskClientOptions options;
    private final int serverMaxFrame;
    private final int serverMaxInFlight;
    private final InetSocketAddress remoteAddress;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private final AtomicInteger unfinished = new AtomicInteger();
    // Event loop only:
    private final TaskIdMap<PendingTask> atServer = new TaskIdMap<>();
    private final ArrayDeque<PendingTask> waiting = new ArrayDeque<>();
    private int nextId = 1;
    private boolean disconnecting;
    private ScheduledFuture<?> disconnectTimer;
    /** One timer for every task's timeout: due at the earliest deadline it was armed for. */
    private ScheduledFuture<?> deadlineTimer;
    private long deadlineTimerAt;
    // Any thread:
    private volatile boolean closing;
    private volatile boolean closeStarted;
    private volatile String closeReason;

    TaskClient(Channel channel, TaskClientOptions options, int serverMaxFrame, int serverMaxInFlight) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.options = options;
        this.serverMaxFrame = serverMaxFrame;
        this.serverMaxInFlight = serverMaxInFlight;
        this.remoteAddress = (InetSocketAddress) channel.remoteAddress();
    }

    /**
     * Runs task {@code code} with {@code payload} and collects its whole answer, with the default task timeout.
     *
     * @throws IllegalArgumentException (in the future) if the code is reserved or the payload does not fit a frame
     */
    public CompletableFuture<byte[]> submit(int code, byte[] payload) {
        return submit(code, payload, options.taskTimeout());
    }

    /** Like {@link #submit(int, byte[])} with a timeout for this task. */
    public CompletableFuture<byte[]> submit(int code, byte[] payload, Duration timeout) {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        enqueue(new PendingTask(code, payload, timeout, future, null, null));
        return future;
    }

    /**
     * Runs task {@code code} and hands each chunk of its answer to {@code chunkSink} as it arrives, on the
     * connection's I/O thread and in order; nothing is aggregated, so an answer of any size uses bounded memory
     * (a slow sink slows the server down through TCP flow control). The future completes when the answer ends.
     * If the sink throws, the task is cancelled and the future fails with what it threw.
     */
    public CompletableFuture<Void> submitStreaming(int code, byte[] payload, Consumer<byte[]> chunkSink) {
        return submitStreaming(code, payload, chunkSink, options.taskTimeout());
    }

    /** Like {@link #submitStreaming(int, byte[], Consumer)} with a timeout for this task. */
    public CompletableFuture<Void> submitStreaming(int code, byte[] payload, Consumer<byte[]> chunkSink,
            Duration timeout) {
        Objects.requireNonNull(chunkSink, "chunkSink");
        CompletableFuture<Void> future = new CompletableFuture<>();
        enqueue(new PendingTask(code, payload, timeout, null, future, chunkSink));
        return future;
    }

    /** Cancels every unfinished task of this client (each future completes as cancelled). */
    public void cancelAll() {
        executeOnLoop(() -> {
            List<PendingTask> all = new ArrayList<>(waiting);
            atServer.forEachValue(all::add);
            for (PendingTask t : all) {
                t.future().cancel(false);
            }
        });
    }

    /** The number of submitted tasks whose future has not completed yet. */
    public int pendingTasks() {
        return unfinished.get();
    }

    /**
     * Closes gracefully: new submissions fail at once, tasks not yet sent fail with {@link ConnectionLostException},
     * the server is told GOODBYE, and the connection closes when the tasks at the server have answered or after
     * {@code grace}, whichever comes first.
     *
     * @return {@link #closeFinished()}
     */
    public CompletableFuture<Void> disconnect(Duration grace) {
        closing = true;
        executeOnLoop(() -> {
            if (closeStarted) {
                return;
            }
            if (closeReason == null) {
                closeReason = "disconnected by the client";
            }
            failWaiting();
            if (!disconnecting) {
                disconnecting = true;
                channel.writeAndFlush(new Frame.Goodbye(), channel.voidPromise());
            }
            if (atServer.isEmpty()) {
                closeWith("disconnected by the client");
            } else {
                if (disconnectTimer != null) {
                    disconnectTimer.cancel(false);
                }
                disconnectTimer = loop.schedule(() -> closeWith("disconnected by the client (grace period over)"),
                        Math.max(0, grace.toNanos()), TimeUnit.NANOSECONDS);
            }
        });
        return closeFinished;
    }

    /** Closes now; unfinished tasks fail with {@link ConnectionLostException}. Returns {@link #closeFinished()}. */
    public CompletableFuture<Void> closeAsync() {
        closeWith("closed by the client");
        return closeFinished;
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
        return closeStarted || !channel.isActive();
    }

    /** Completes when the socket is closed, for whatever reason; does not start a close. */
    public CompletableFuture<Void> closeFinished() {
        return closeFinished;
    }

    /** Why the connection closed or is closing, once it is. */
    public Optional<String> closeReason() {
        return Optional.ofNullable(closeReason);
    }

    /** The server's address. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The server's limit on this client's tasks in flight, from the handshake. */
    public int serverMaxTasksInFlight() {
        return serverMaxInFlight;
    }

    /** The largest request payload the server accepts. */
    public int maxPayloadSize() {
        return serverMaxFrame - Frame.TASK_HEADER;
    }

    @Override
    public String toString() {
        return "TaskClient[" + channel.localAddress() + "->" + remoteAddress + (isClosed() ? ", closed" : "") + "]";
    }

    // ---- submission ----

    private void enqueue(PendingTask t) {
        if (t.code < 0 || t.code > TaskServer.MAX_USER_TASK_CODE) {
            t.fail(new IllegalArgumentException("task code " + t.code + " is outside 0.."
                    + TaskServer.MAX_USER_TASK_CODE + "; codes 0xFF00..0xFFFF are reserved"));
            return;
        }
        if (t.payload.length > maxPayloadSize()) {
            t.fail(new IllegalArgumentException("payload of " + t.payload.length
                    + " bytes exceeds the server's limit of " + maxPayloadSize()));
            return;
        }
        if (closing || isClosed()) {
            t.fail(lost());
            return;
        }
        unfinished.incrementAndGet();
        t.future().whenComplete((r, e) -> {
            unfinished.decrementAndGet();
            if (t.future().isCancelled()) {
                executeOnLoop(() -> abandon(t));
            }
        });
        if (loop.inEventLoop()) {
            start(t); // submitted from a callback on the I/O thread: no hop, and the flush waits for the read's end
        } else {
            executeOnLoop(() -> start(t));
        }
    }

    private void executeOnLoop(Runnable r) {
        try {
            loop.execute(r);
        } catch (RejectedExecutionException e) {
            // The event loop group was shut down: the connection is gone.
            failAll();
            closeFinished.complete(null);
        }
    }

    private void start(PendingTask t) {
        if (t.future().isDone()) {
            return;
        }
        if (closing || closeStarted || !channel.isActive()) {
            t.fail(lost());
            return;
        }
        long now = System.nanoTime();
        t.deadline = now + timeoutNanos(t.timeout);
        armDeadlineTimer(t.deadline, now);
        if (atServer.size() < serverMaxInFlight) {
            send(t);
        } else {
            waiting.add(t);
        }
    }

    private static long timeoutNanos(Duration timeout) {
        try {
            return Math.min(Math.max(0, timeout.toNanos()), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private void armDeadlineTimer(long deadline, long now) {
        if (deadlineTimer != null && deadline - deadlineTimerAt >= 0) {
            return; // the armed timer comes first; it re-arms itself for the next deadline
        }
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        deadlineTimerAt = deadline;
        deadlineTimer = loop.schedule(this::deadlinesDue, Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
    }

    /** Times out every task past its deadline, then re-arms for the earliest deadline left (event loop). */
    private void deadlinesDue() {
        deadlineTimer = null;
        if (closeStarted) {
            return;
        }
        long now = System.nanoTime();
        List<PendingTask> due = new ArrayList<>();
        long[] next = {Long.MAX_VALUE};
        Consumer<PendingTask> look = t -> {
            if (t.future().isDone() || t.abandoned) {
                return;
            }
            if (t.deadline - now <= 0) {
                due.add(t);
            } else if (next[0] == Long.MAX_VALUE || t.deadline - next[0] < 0) {
                next[0] = t.deadline;
            }
        };
        atServer.forEachValue(look);
        waiting.forEach(look);
        if (next[0] != Long.MAX_VALUE) {
            armDeadlineTimer(next[0], now);
        }
        for (PendingTask t : due) {
            timeout(t); // completes futures: callbacks may submit (and re-arm), after the scan
        }
    }

    private void send(PendingTask t) {
        int id;
        do {
            id = nextId++;
        } while (atServer.containsKey(id));
        t.id = id;
        t.sent = true;
        atServer.put(id, t);
        byte[] payload = t.payload;
        t.payload = null;
        channel.writeAndFlush(new Frame.Task(id, t.code, payload), channel.voidPromise());
    }

    private void drain() {
        while (!waiting.isEmpty() && atServer.size() < serverMaxInFlight && !closing && !closeStarted) {
            PendingTask t = waiting.poll();
            if (!t.future().isDone()) {
                send(t);
            }
        }
    }

    private void timeout(PendingTask t) {
        if (t.fail(new TaskTimeoutException("task code " + t.code + " got no answer within "
                + t.timeout.toMillis() + " ms"))) {
            abandon(t);
        }
    }

    /** The task's future is done but the task is not: withdraw it (event loop). */
    private void abandon(PendingTask t) {
        if (waiting.remove(t)) {
            return;
        }
        if (t.sent && atServer.get(t.id) == t && !t.abandoned) {
            t.abandoned = true;
            if (channel.isActive()) {
                channel.writeAndFlush(new Frame.Cancel(t.id), channel.voidPromise());
            }
        }
    }

    // ---- frames from the server (event loop) ----

    private void onOk(Frame.Ok frame) {
        PendingTask t = atServer.get(frame.taskId());
        if (t == null) {
            closeWith("protocol error: answer for unknown task id " + Integer.toUnsignedString(frame.taskId()));
            return;
        }
        boolean cancelIt = false;
        if (!t.abandoned && !t.future().isDone() && frame.length() > 0) {
            try {
                if (t.sink != null) {
                    t.sink.accept(frame.data());
                } else if ((long) t.size + frame.length() > options.maxResponseSize()) {
                    throw new IOException("answer of task code " + t.code + " exceeds maxResponseSize "
                            + options.maxResponseSize());
                } else {
                    t.add(frame.data());
                }
            } catch (Throwable e) {
                t.fail(e);
                cancelIt = true;
            }
        }
        if (frame.end()) {
            finished(t);
            if (!t.future().isDone()) {
                t.complete();
            }
        } else if (cancelIt) {
            abandon(t);
        }
    }

    private void onError(Frame.Error frame) {
        PendingTask t = atServer.get(frame.taskId());
        if (t == null) {
            closeWith("protocol error: error for unknown task id " + Integer.toUnsignedString(frame.taskId()));
            return;
        }
        finished(t);
        t.fail(new TaskException(frame.errorCode(), frame.message(), true));
    }

    private void finished(PendingTask t) {
        atServer.remove(t.id);
        if (disconnecting && atServer.isEmpty()) {
            closeWith("disconnected by the client");
        } else {
            drain();
        }
    }

    private void onGoodbye() {
        closing = true;
        if (closeReason == null) {
            closeReason = "the server said goodbye";
        }
        failWaiting();
    }

    private void failWaiting() {
        if (waiting.isEmpty()) {
            return;
        }
        ConnectionLostException e = lostWithoutStackTrace();
        while (!waiting.isEmpty()) {
            PendingTask t = waiting.poll();
            t.fail(e);
        }
    }

    /** The connection is gone: every task fails with one shared exception (made only if there is a task). */
    private void failAll() {
        failWaiting();
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
            deadlineTimer = null;
        }
        if (atServer.isEmpty()) {
            return;
        }
        List<PendingTask> all = new ArrayList<>(atServer.size());
        atServer.forEachValue(all::add);
        atServer.clear();
        ConnectionLostException e = lostWithoutStackTrace();
        for (PendingTask t : all) {
            t.fail(e);
        }
    }

    private String lostMessage() {
        String reason = closeReason;
        return "connection to " + remoteAddress + " lost" + (reason == null ? "" : ": " + reason);
    }

    /** For a caller's own submission: the stack trace shows where it was submitted. */
    private ConnectionLostException lost() {
        return new ConnectionLostException(lostMessage());
    }

    /** For the tasks a closing connection fails in bulk: the stack would only show the event loop. */
    private ConnectionLostException lostWithoutStackTrace() {
        return ConnectionLostException.withoutStackTrace(lostMessage());
    }

    void closeWith(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        closing = true;
        closeStarted = true;
        channel.close();
    }

    /** The last inbound handler of a client channel. */
    final class FrameHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Frame.Ok ok) {
                onOk(ok);
            } else if (msg instanceof Frame.Error error) {
                onError(error);
            } else if (msg instanceof Frame.Goodbye) {
                onGoodbye();
            } else {
                closeWith("unexpected message " + msg.getClass().getSimpleName());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeStarted = true;
            closing = true;
            if (closeReason == null) {
                closeReason = "connection closed by the server";
            }
            if (disconnectTimer != null) {
                disconnectTimer.cancel(false);
            }
            failAll();
            LOG.log(System.Logger.Level.DEBUG, "{0} closed: {1}", TaskClient.this, closeReason);
            closeFinished.complete(null);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeWith(TaskDispatcher.describe(cause));
        }
    }

    /** One submitted task, from submission to its final frame (event loop, except the futures). */
    private static final class PendingTask {
        final int code;
        final Duration timeout;
        final CompletableFuture<byte[]> bytes;
        final CompletableFuture<Void> streamed;
        final Consumer<byte[]> sink;
        /** The answer so far: the first chunk alone (the usual case, no list), then a list. */
        byte[] first;
        List<byte[]> chunks;
        byte[] payload;
        int size;
        int id;
        boolean sent;
        boolean abandoned;
        long deadline;

        PendingTask(int code, byte[] payload, Duration timeout, CompletableFuture<byte[]> bytes,
                CompletableFuture<Void> streamed, Consumer<byte[]> sink) {
            this.code = code;
            this.payload = payload == null ? new byte[0] : payload;
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            this.bytes = bytes;
            this.streamed = streamed;
            this.sink = sink;
        }

        CompletableFuture<?> future() {
            return bytes != null ? bytes : streamed;
        }

        void add(byte[] chunk) {
            if (first == null && chunks == null) {
                first = chunk;
            } else {
                if (chunks == null) {
                    chunks = new ArrayList<>();
                    chunks.add(first);
                    first = null;
                }
                chunks.add(chunk);
            }
            size += chunk.length;
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
                first = null;
                chunks = null;
                bytes.complete(all);
            } else {
                streamed.complete(null);
            }
        }
    }
}
