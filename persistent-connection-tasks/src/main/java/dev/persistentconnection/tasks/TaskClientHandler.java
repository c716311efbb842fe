package dev.persistentconnection.tasks;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The last handler of a client channel, and the owner of its work: the lifecycle of the connection, the tasks at
 * the server (by id) and those waiting for room in the server's window, their timers, and the graceful
 * disconnection. {@link TaskClient} is its public face.
 *
 * <p>One lifecycle state, changed only by {@link #moveTo}: {@code OPEN} (tasks are accepted), {@code DRAINING} (no
 * new tasks; those at the server may still answer: after {@link #disconnect} or the server's GOODBYE),
 * {@code CLOSING} (the channel is being closed), {@code CLOSED} (it is closed and every task has ended). The state
 * only moves forward, and the reason given when it leaves {@code OPEN} is the connection's close reason.
 */
final class TaskClientHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(TaskClient.class.getName());

    enum State {
        OPEN,
        DRAINING,
        CLOSING,
        CLOSED
    }

    // Final, read from any thread:
    private final Channel channel;
    private final EventLoop loop;
    private final TaskClientOptions options;
    private final int serverMaxFrame;
    private final int serverMaxInFlight;
    private final int protocolVersion;
    private final InetSocketAddress remoteAddress;
    private final TaskClient client;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private final AtomicInteger unfinished = new AtomicInteger();
    // Any thread reads; written only by moveTo, under this handler's lock:
    private volatile State state = State.OPEN;
    private volatile String closeReason;
    // Event loop only:
    private final TaskIdMap<PendingTask> atServer = new TaskIdMap<>();
    private final ArrayDeque<PendingTask> waiting = new ArrayDeque<>();
    private int nextId = 1;
    /** This client sent GOODBYE: it closes once the last task at the server has answered. */
    private boolean goodbyeSent;

    private ScheduledFuture<?> disconnectTimer;
    /** One timer for every task's timeout: due at the earliest deadline it was armed for. */
    private ScheduledFuture<?> deadlineTimer;

    private long deadlineTimerAt;

    TaskClientHandler(
            Channel channel,
            TaskClientOptions options,
            int serverMaxFrame,
            int serverMaxInFlight,
            int protocolVersion) {
        this.protocolVersion = protocolVersion;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.options = options;
        this.serverMaxFrame = serverMaxFrame;
        this.serverMaxInFlight = serverMaxInFlight;
        this.remoteAddress = (InetSocketAddress) channel.remoteAddress();
        this.client = new TaskClient(this);
    }

    /** The one place the state changes: only forward; the first reason given wins. Any thread. */
    private synchronized boolean moveTo(State next, String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        if (next.compareTo(state) <= 0) {
            return false;
        }
        state = next;
        return true;
    }

    // ---- the facade's calls (any thread) ----

    TaskClient client() {
        return client;
    }

    TaskClientOptions options() {
        return options;
    }

    State state() {
        return state;
    }

    String closeReason() {
        return closeReason;
    }

    InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    Channel channel() {
        return channel;
    }

    int serverMaxInFlight() {
        return serverMaxInFlight;
    }

    int maxPayloadSize() {
        return serverMaxFrame - Frame.TASK_HEADER;
    }

    int protocolVersion() {
        return protocolVersion;
    }

    int unfinished() {
        return unfinished.get();
    }

    CompletableFuture<Void> closeFinished() {
        return closeFinished;
    }

    boolean isClosed() {
        return state.compareTo(State.CLOSING) >= 0 || !channel.isActive();
    }

    void submit(PendingTask t) {
        if (state != State.OPEN || !channel.isActive()) {
            t.fail(lost());
            return;
        }
        unfinished.incrementAndGet();
        t.future().whenComplete((r, e) -> {
            unfinished.decrementAndGet();
            if (t.future().isCancelled()) {
                execute(() -> abandon(t));
            }
        });
        if (loop.inEventLoop()) {
            start(t); // submitted from a callback on the I/O thread: no hop, and the flush waits for the read's end
        } else {
            execute(() -> start(t));
        }
    }

    void cancelAll() {
        execute(() -> {
            List<PendingTask> all = new ArrayList<>(waiting);
            atServer.forEachValue(all::add);
            for (PendingTask t : all) {
                t.future().cancel(false);
            }
        });
    }

    /** Graceful: no new tasks at once, GOODBYE, then close when the tasks at the server are done or after grace. */
    CompletableFuture<Void> disconnect(Duration grace) {
        moveTo(State.DRAINING, "disconnected by the client");
        execute(() -> {
            if (state.compareTo(State.CLOSING) >= 0) {
                return;
            }
            failWaiting();
            if (!goodbyeSent) {
                goodbyeSent = true;
                channel.writeAndFlush(new Frame.Goodbye(), channel.voidPromise());
            }
            if (atServer.isEmpty()) {
                close("disconnected by the client");
            } else {
                if (disconnectTimer != null) {
                    disconnectTimer.cancel(false);
                }
                disconnectTimer = loop.schedule(
                        () -> close("disconnected by the client (grace period over)"),
                        Math.max(0, grace.toNanos()),
                        TimeUnit.NANOSECONDS);
            }
        });
        return closeFinished;
    }

    /** Closes now, recording why; {@link #channelInactive} fails what is left. Any thread. */
    void close(String reason) {
        moveTo(State.CLOSING, reason);
        channel.close();
    }

    // ---- tasks (event loop) ----

    private void execute(Runnable r) {
        try {
            loop.execute(r);
        } catch (RejectedExecutionException e) {
            // The event loop group was shut down with the connection: its thread is gone, nothing else runs here.
            moveTo(State.CLOSED, "the connector was closed");
            failAll();
            closeFinished.complete(null);
        }
    }

    private void start(PendingTask t) {
        if (t.isDone()) {
            return;
        }
        if (state != State.OPEN || !channel.isActive()) {
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

    /** Times out every task past its deadline, then re-arms for the earliest deadline left. */
    private void deadlinesDue() {
        deadlineTimer = null;
        if (state.compareTo(State.CLOSING) >= 0) {
            return;
        }
        long now = System.nanoTime();
        List<PendingTask> due = new ArrayList<>();
        long[] next = {Long.MAX_VALUE};
        boolean[] any = {false};
        Consumer<PendingTask> look = t -> {
            if (t.isDone() || t.abandoned) {
                return;
            }
            if (t.deadline - now <= 0) {
                due.add(t);
            } else if (!any[0] || t.deadline - next[0] < 0) {
                any[0] = true;
                next[0] = t.deadline;
            }
        };
        atServer.forEachValue(look);
        waiting.forEach(look);
        if (any[0]) {
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
        // Metadata travels on version 2 only; on a version-1 connection the task goes without it.
        channel.writeAndFlush(
                new Frame.Task(id, t.code, payload, protocolVersion >= 2 ? t.metadata : Map.of()),
                channel.voidPromise());
    }

    /** Sends waiting tasks while the server's window has room. */
    private void drain() {
        while (!waiting.isEmpty() && atServer.size() < serverMaxInFlight && state == State.OPEN) {
            PendingTask t = waiting.poll();
            if (!t.isDone()) {
                send(t);
            }
        }
    }

    private void timeout(PendingTask t) {
        if (t.fail(new TaskTimeoutException(
                "task code " + t.code + " got no answer within " + t.timeout.toMillis() + " ms"))) {
            abandon(t);
        }
    }

    /** The task's future is done but the task is not: withdraw it. */
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

    private void finished(PendingTask t) {
        atServer.remove(t.id);
        if (goodbyeSent && atServer.isEmpty()) {
            close("disconnected by the client");
        } else {
            drain();
        }
    }

    private void failWaiting() {
        if (waiting.isEmpty()) {
            return;
        }
        ConnectionLostException e = lostWithoutStackTrace();
        while (!waiting.isEmpty()) {
            waiting.poll().fail(e);
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

    // ---- frames from the server (event loop) ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Frame.Ok ok) {
            onOk(ok);
        } else if (msg instanceof Frame.Error error) {
            onError(error);
        } else if (msg instanceof Frame.Goodbye) {
            onGoodbye();
        } else {
            close("unexpected message " + msg.getClass().getSimpleName());
        }
    }

    private void onOk(Frame.Ok frame) {
        PendingTask t = atServer.get(frame.taskId());
        if (t == null) {
            close("protocol error: answer for unknown task id " + Integer.toUnsignedString(frame.taskId()));
            return;
        }
        boolean cancelIt = false;
        if (!t.abandoned && !t.isDone() && frame.length() > 0) {
            try {
                t.accept(frame.data(), options.maxResponseSize());
            } catch (Throwable e) {
                t.fail(e);
                cancelIt = true;
            }
        }
        if (frame.end()) {
            finished(t);
            if (!t.isDone()) {
                t.complete();
            }
        } else if (cancelIt) {
            abandon(t);
        }
    }

    private void onError(Frame.Error frame) {
        PendingTask t = atServer.get(frame.taskId());
        if (t == null) {
            close("protocol error: error for unknown task id " + Integer.toUnsignedString(frame.taskId()));
            return;
        }
        finished(t);
        t.fail(new TaskException(frame.errorCode(), frame.message(), true));
    }

    /** The server sends no more tasks' answers beyond those in flight and will close: fail what is not sent. */
    private void onGoodbye() {
        moveTo(State.DRAINING, "the server said goodbye");
        failWaiting();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        moveTo(State.CLOSED, "connection closed by the server");
        if (disconnectTimer != null) {
            disconnectTimer.cancel(false);
        }
        failAll();
        LOG.log(System.Logger.Level.DEBUG, "{0} closed: {1}", client, closeReason);
        closeFinished.complete(null);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        close(TaskDispatcher.describe(cause));
    }
}
