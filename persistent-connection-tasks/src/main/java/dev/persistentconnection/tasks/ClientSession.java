package dev.persistentconnection.tasks;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection on the server: its lifecycle, its tasks in flight, the reading limit and the timers, and
 * the graceful disconnection. {@link ClientView} is its public face, {@link AnswerWindow} the flow control of its
 * answers, {@link TaskDispatcher} the handler that feeds it frames.
 *
 * <p>One lifecycle state, changed only by {@link #moveTo}: {@code OPEN} (tasks are run), {@code DRAINING} (GOODBYE
 * sent or received: no new task runs, those in flight finish and answer), {@code CLOSING} (no frame is sent any
 * more and frames from the client are ignored; the channel is closing, or, after a graceful end, its output is shut
 * and the server discards what the client still sends until it closes), {@code CLOSED} (the channel is closed and
 * every task cancelled). The state only moves forward; the reason given on entering {@code CLOSING} is the
 * connection's close reason.
 */
final class ClientSession {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final int MAX_ERROR_MESSAGE = 1000;
    /** CANCELs of tasks not in flight allowed beyond one per task received. */
    static final int MAX_UNKNOWN_CANCELS = 1000;

    enum State {
        OPEN,
        DRAINING,
        CLOSING,
        CLOSED
    }

    // Final, read from any thread:
    private final TaskServer server;
    private final Channel channel;
    private final EventLoop loop;
    private final boolean littleEndian;
    private final int protocolVersion;
    private final int clientMaxFrame;
    private final java.net.InetAddress remoteHost;
    private final Instant connectedAt = Instant.now();
    private final long sequence = SEQUENCE.incrementAndGet();
    private final ClientView view = new ClientView(this);
    private final AnswerWindow answers;
    /** Chunks and final frames from task threads, in order, for the event loop. */
    private final Queue<Object> outbound = new ConcurrentLinkedQueue<>();

    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** The tasks in flight: added and removed on the event loop, read by the views and cancelled from any thread. */
    private final Map<Integer, RunningTask> tasks = new ConcurrentHashMap<>();
    /** Orders the tasks by arrival for {@link ConnectedClient#taskCodes()}; event loop only. */
    private long taskSequence;
    // Any thread reads; written only by moveTo, under this session's lock:
    private volatile State state = State.OPEN;
    private volatile String closeReason;
    // Event loop only:
    private FrameDecoder decoder;
    private long disconnectDeadline;
    private ScheduledFuture<?> disconnectTimer;
    private ScheduledFuture<?> waitTimer;
    /** No task in flight since {@link #idleSince}. */
    private boolean idle;

    private long idleSince;
    /** CANCELs of tasks not in flight, over the connection's life. */
    private long unknownCancels;

    /** Bounds a graceful end's wait for the client to close after the server shut its output. */
    private ScheduledFuture<?> lingerTimer;

    ClientSession(TaskServer server, Channel channel, boolean littleEndian, int clientMaxFrame, int protocolVersion) {
        this.protocolVersion = protocolVersion;
        this.server = server;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.remoteHost = TaskServer.host(channel);
        this.littleEndian = littleEndian;
        this.clientMaxFrame = clientMaxFrame;
        this.answers = new AnswerWindow(channel);
    }

    /** The one place the state changes: only forward; the first reason given on closing wins. Any thread. */
    private synchronized boolean moveTo(State next, String reason) {
        if (closeReason == null && next.compareTo(State.CLOSING) >= 0) {
            closeReason = reason;
        }
        if (next.compareTo(state) <= 0) {
            return false;
        }
        state = next;
        return true;
    }

    // ---- accessors (any thread) ----

    ClientView view() {
        return view;
    }

    AnswerWindow answers() {
        return answers;
    }

    TaskServer server() {
        return server;
    }

    Channel channel() {
        return channel;
    }

    long sequence() {
        return sequence;
    }

    Instant connectedAt() {
        return connectedAt;
    }

    int protocolVersion() {
        return protocolVersion;
    }

    boolean littleEndian() {
        return littleEndian;
    }

    Map<Integer, RunningTask> tasks() {
        return tasks;
    }

    State state() {
        return state;
    }

    String closeReason() {
        return closeReason;
    }

    /** The largest data chunk that fits the client's frame size in an OK frame. */
    int maxChunk() {
        return clientMaxFrame - Frame.OK_HEADER;
    }

    boolean isReadingPaused() {
        return !channel.config().isAutoRead();
    }

    // ---- setup (event loop, during the handshake) ----

    void decoder(FrameDecoder decoder) {
        this.decoder = decoder;
    }

    /** Handshake done. */
    void started() {
        armWaitTimer();
    }

    // ---- frames from the client (event loop) ----

    void onTask(Frame.Task frame) {
        if (state.compareTo(State.CLOSING) >= 0) {
            return;
        }
        if (state == State.DRAINING) {
            send(new Frame.Error(
                    frame.taskId(), TaskException.SERVER_CLOSING, "the server is disconnecting this client"));
            return;
        }
        if (tasks.containsKey(frame.taskId())) {
            String reason =
                    "protocol error: task id " + Integer.toUnsignedString(frame.taskId()) + " already in flight";
            server.rejected(TaskServerListener.Rejection.PROTOCOL_ERROR, channel, reason);
            close(reason);
            return;
        }
        TaskServer.Registration registration = server.registration(frame.code());
        if (registration == null) {
            String reason = "unknown task code " + frame.code();
            server.rejected(TaskServerListener.Rejection.UNKNOWN_TASK_CODE, channel, reason);
            send(new Frame.Error(frame.taskId(), TaskException.UNKNOWN_TASK_CODE, reason));
            return;
        }
        if (taskSequence == 0) {
            server.used(channel); // never evicted for a newcomer from now on
        }
        RunningTask task = new RunningTask(
                this, registration, frame.taskId(), frame.code(), frame.payload(), frame.metadata(), ++taskSequence);
        tasks.put(frame.taskId(), task);
        waitTimerBusy();
        if (tasks.size() >= server.settings().maxTasksInFlight()) {
            if (tasks.size() == server.settings().maxTasksInFlight()) {
                server.rejected(
                        TaskServerListener.Rejection.IN_FLIGHT_LIMIT,
                        channel,
                        server.settings().maxTasksInFlight() + " tasks in flight: reading paused");
            }
            pauseReading();
        }
        if (server.settings().handlersOnIoThread()) {
            task.runOnIoThread();
            return;
        }
        try {
            server.execute(remoteHost, task, () -> onLoop(() -> rejected(task)));
        } catch (RejectedExecutionException e) {
            rejected(task);
        }
    }

    /** The executor refused the task (on the event loop). */
    private void rejected(RunningTask task) {
        if (tasks.remove(task.taskId(), task)) {
            server.rejected(TaskServerListener.Rejection.SERVER_BUSY, channel, "server busy: task rejected");
            send(new Frame.Error(task.taskId(), TaskException.SERVER_BUSY, "server busy: task rejected"));
            afterTaskRemoved();
        }
    }

    void onCancel(int taskId) {
        RunningTask t = tasks.get(taskId);
        if (t != null) {
            t.cancel();
        } else if (state.compareTo(State.CLOSING) < 0 && unknownCancelsOverLimit()) {
            String reason = "protocol error: more than " + MAX_UNKNOWN_CANCELS
                    + " CANCELs of tasks not in flight beyond one per task received";
            server.rejected(TaskServerListener.Rejection.PROTOCOL_ERROR, channel, reason);
            close(reason);
        }
    }

    /**
     * Counts a CANCEL of a task not in flight. A live client sends one only when the task's answer crossed it, so at
     * most one per task it sent: more than {@value #MAX_UNKNOWN_CANCELS} beyond the tasks received are a storm
     * (PROTOCOL.md, "Cancellation"), frames decoded for nothing.
     */
    private boolean unknownCancelsOverLimit() {
        return ++unknownCancels > taskSequence + MAX_UNKNOWN_CANCELS;
    }

    /** The client sends no more tasks: finish what is in flight, then close. */
    void onGoodbye() {
        disconnectOnLoop(server.settings().waitTimeout(), false);
    }

    // ---- task completion (task threads) ----

    /**
     * Sends the final frame of a task, unless the connection is closing, and forgets the task. From a task thread
     * this goes through the outbound queue, so that the completions of many tasks cost one hop to the event loop
     * and one flush; on the event loop (a handler run on the I/O thread) it happens at once, and the pipeline's
     * flush handler holds the flush until the end of the read.
     */
    void finish(RunningTask task, Frame last) {
        if (loop.inEventLoop()) {
            finishOnLoop(task, last, true);
        } else {
            toLoop(new Finished(task, last));
        }
    }

    /** A chunk of an answer, in order with the task's final frame. Any thread. */
    void sendChunk(Frame.Ok chunk) {
        if (loop.inEventLoop()) {
            // A handler run on the I/O thread: written at once, flushed at the end of the read, never waited for.
            channel.writeAndFlush(chunk, channel.voidPromise());
            return;
        }
        answers.handedOver(chunk.length());
        toLoop(chunk);
    }

    private void finishOnLoop(RunningTask task, Frame last, boolean flush) {
        if (channel.isActive() && state.compareTo(State.CLOSING) < 0) {
            if (flush) {
                channel.writeAndFlush(last, channel.voidPromise());
            } else {
                channel.write(last, channel.voidPromise());
            }
        }
        if (tasks.remove(task.taskId(), task)) {
            afterTaskRemoved();
        }
    }

    /** A task's final frame, queued by its thread for the event loop. */
    private record Finished(RunningTask task, Frame last) {}

    /** Queues a chunk or a final frame from a task thread; one drain task at a time writes them, in order. */
    private void toLoop(Object item) {
        outbound.add(item);
        if (drainScheduled.compareAndSet(false, true)) {
            onLoop(this::drainOutbound);
        }
    }

    private void drainOutbound() {
        drainScheduled.set(false);
        Object item;
        boolean wrote = false;
        while ((item = outbound.poll()) != null) {
            if (item instanceof Finished f) {
                finishOnLoop(f.task(), f.last(), false);
            } else {
                answers.write((Frame.Ok) item);
            }
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** A task failed seriously: the client goes to the error state and is dropped. */
    void fail(RunningTask task, Throwable error) {
        LOG.log(
                System.Logger.Level.WARNING,
                "{0}: task {1} ({2}) failed; dropping the client: {3}",
                this,
                Integer.toUnsignedString(task.taskId()),
                task.name(),
                String.valueOf(error));
        close("task " + Integer.toUnsignedString(task.taskId()) + " (" + task.name() + ") failed: " + error);
        onLoop(() -> tasks.remove(task.taskId(), task));
    }

    /** Runs on the event loop; once the loop is shut down (server stopped) there is nothing left to update. */
    private void onLoop(Runnable r) {
        try {
            loop.execute(r);
        } catch (RejectedExecutionException e) {
            tasks.clear();
        }
    }

    // ---- reading limit and timers (event loop) ----

    private void afterTaskRemoved() {
        if (state == State.DRAINING) {
            if (tasks.isEmpty()) {
                endGracefully("graceful disconnection");
            }
            return;
        }
        if (state != State.OPEN) {
            return;
        }
        if (tasks.size() < server.settings().maxTasksInFlight() && isReadingPaused()) {
            resumeReading();
        }
        if (tasks.isEmpty()) {
            armWaitTimer();
        }
    }

    private void pauseReading() {
        ReadGate.pause(channel, ReadGate.TASKS_IN_FLIGHT);
        if (decoder != null) {
            decoder.pause();
        }
    }

    private void resumeReading() {
        ReadGate.resume(channel, ReadGate.TASKS_IN_FLIGHT);
        if (decoder != null) {
            decoder.resume();
        }
    }

    /**
     * No task in flight from now: the client may stay so for the wait timeout. One timer, re-armed by itself: a
     * task arriving only marks the session busy ({@link #waitTimerBusy()}), so a client whose tasks come one at a
     * time does not schedule and cancel a timer for each.
     */
    private void armWaitTimer() {
        idleSince = System.nanoTime();
        idle = true;
        if (waitTimer == null) {
            scheduleWaitTimer(server.settings().waitTimeout().toNanos());
        }
    }

    private void scheduleWaitTimer(long nanos) {
        waitTimer = loop.schedule(this::waitTimerFired, nanos, TimeUnit.NANOSECONDS);
    }

    private void waitTimerFired() {
        waitTimer = null;
        if (!idle || !tasks.isEmpty() || state != State.OPEN) {
            return; // busy: the next armWaitTimer schedules again
        }
        Duration wait = server.settings().waitTimeout();
        long left = idleSince + wait.toNanos() - System.nanoTime();
        if (left > 0) {
            scheduleWaitTimer(left);
            return;
        }
        send(new Frame.Goodbye());
        endGracefully("timeout waiting for a task (" + wait.toMillis() + " ms)");
    }

    /** A task is in flight: the idle clock stops (the timer stays, and finds the session busy if it fires). */
    private void waitTimerBusy() {
        idle = false;
    }

    /** Whether the wait timer is scheduled (event loop; tests). */
    boolean waitTimerArmed() {
        return waitTimer != null;
    }

    private void cancelWaitTimer() {
        idle = false;
        if (waitTimer != null) {
            waitTimer.cancel(false);
            waitTimer = null;
        }
    }

    void send(Frame frame) {
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    // ---- closing ----

    /** Cancels every task in flight; their run functions see it. Any thread. */
    void cancelAll() {
        for (RunningTask t : tasks.values()) {
            t.cancel();
        }
    }

    /** Starts a graceful disconnection, as {@link ConnectedClient#disconnect}. Any thread. */
    void disconnect(Duration grace) {
        onLoop(() -> disconnectOnLoop(grace, true));
    }

    private void disconnectOnLoop(Duration grace, boolean sendGoodbye) {
        if (state.compareTo(State.CLOSING) >= 0) {
            return;
        }
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        if (state == State.DRAINING && deadline - disconnectDeadline >= 0) {
            return; // a second call can only shorten the deadline
        }
        boolean first = moveTo(State.DRAINING, null);
        disconnectDeadline = deadline;
        cancelWaitTimer();
        pauseReading();
        if (first && sendGoodbye) {
            send(new Frame.Goodbye());
        }
        if (tasks.isEmpty()) {
            endGracefully("graceful disconnection");
            return;
        }
        if (disconnectTimer != null) {
            disconnectTimer.cancel(false);
        }
        disconnectTimer = loop.schedule(
                () -> close("graceful disconnection: grace period over"),
                Math.max(0, grace.toNanos()),
                TimeUnit.NANOSECONDS);
    }

    /**
     * Ends a graceful disconnection without a reset. Once every answer is written, the server shuts its output down
     * (after TLS close_notify), so the client reads every answer and then the end of the stream; then it reads and
     * discards what the client still sends (tasks written before the client read GOODBYE, heartbeats) until the
     * client closes, at most the read timeout. Closing with unread input instead would make TCP send RST: the
     * client's next write then fails and it closes before reading the answers in its receive buffer (and some
     * stacks drop that buffer on RST), so tasks that ran would be reported lost. Closing before the answers are
     * written would drop them from the channel's outbound buffer.
     */
    private void endGracefully(String reason) {
        if (!moveTo(State.CLOSING, reason)) {
            return; // already ending, gracefully or not
        }
        cancelWaitTimer();
        if (disconnectTimer != null) {
            disconnectTimer.cancel(false);
        }
        if (!(channel instanceof DuplexChannel duplex)) {
            channel.close();
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess()) {
                channel.close();
                return;
            }
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            ChannelFuture notified = ssl == null ? channel.newSucceededFuture() : ssl.closeOutbound();
            notified.addListener(n -> duplex.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess() || !channel.isOpen()) {
                    channel.close();
                    return;
                }
                lingerTimer = loop.schedule(
                        () -> {
                            channel.close();
                        },
                        server.settings().readTimeout().toNanos(),
                        TimeUnit.NANOSECONDS);
                resumeReading(); // discard: the client's FIN then closes the channel
            }));
        });
    }

    /** Closes now: from here no frame is sent (the client sees the connection close) and every task is cancelled. */
    void close(String reason) {
        moveTo(State.CLOSING, reason);
        cancelAll();
        channel.close();
    }

    /** The channel closed, for whatever reason: cancel everything still running (event loop). */
    void closed() {
        moveTo(State.CLOSED, "connection closed by the client");
        cancelWaitTimer();
        if (disconnectTimer != null) {
            disconnectTimer.cancel(false);
        }
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
        }
        cancelAll();
        answers.changed();
        server.removed(this);
        LOG.log(System.Logger.Level.DEBUG, "{0}: closed: {1}", this, closeReason);
    }

    static String truncate(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MAX_ERROR_MESSAGE ? message : message.substring(0, MAX_ERROR_MESSAGE);
    }

    @Override
    public String toString() {
        return channel.remoteAddress() + "->" + channel.localAddress();
    }
}
