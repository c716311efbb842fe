package dev.persistentconnection.tasks;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.SocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection on the server: its tasks in flight, its limits and timers, its graceful disconnection.
 * State changes happen on the channel's event loop; the {@link ConnectedClient} views are thread-safe.
 */
final class ClientSession implements ConnectedClient {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final int MAX_ERROR_MESSAGE = 1000;
    /** Answer bytes a client's run functions may have queued before their writes block. */
    static final long ANSWER_HIGH_WATER_MARK = 256 * 1024;

    private final TaskServer server;
    private final Channel channel;
    private final EventLoop loop;
    private final boolean littleEndian;
    private final int clientMaxFrame;
    private final java.net.InetAddress remoteHost;
    private final Instant connectedAt = Instant.now();
    private final long sequence = SEQUENCE.incrementAndGet();
    private final Map<Integer, RunningTask> tasks = new ConcurrentHashMap<>();
    private final AtomicLong taskSequence = new AtomicLong();
    private final Object writability = new Object();
    /** Answer bytes handed to the channel by run functions and not yet written to the socket. */
    private final AtomicLong queuedAnswerBytes = new AtomicLong();
    private FrameDecoder decoder;
    private volatile String closeReason;
    private boolean disconnecting;
    private long disconnectDeadline;
    private ScheduledFuture<?> disconnectTimer;
    private ScheduledFuture<?> waitTimer;
    private boolean lingering;
    private ScheduledFuture<?> lingerTimer;

    ClientSession(TaskServer server, Channel channel, boolean littleEndian, int clientMaxFrame) {
        this.server = server;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.remoteHost = TaskServer.host(channel);
        this.littleEndian = littleEndian;
        this.clientMaxFrame = clientMaxFrame;
    }

    void decoder(FrameDecoder decoder) {
        this.decoder = decoder;
    }

    Channel channel() {
        return channel;
    }

    long sequence() {
        return sequence;
    }

    /** The largest data chunk that fits the client's frame size in an OK frame. */
    int maxChunk() {
        return clientMaxFrame - Frame.OK_HEADER;
    }

    /** Handshake done, on the event loop. */
    void started() {
        armWaitTimer();
    }

    // ---- frames from the client (event loop) ----

    void onTask(Frame.Task frame) {
        if (closeReason != null) {
            return;
        }
        if (disconnecting) {
            send(new Frame.Error(frame.taskId(), TaskException.SERVER_CLOSING,
                    "the server is disconnecting this client"));
            return;
        }
        if (tasks.containsKey(frame.taskId())) {
            close("protocol error: task id " + Integer.toUnsignedString(frame.taskId()) + " already in flight");
            return;
        }
        TaskServer.Registration registration = server.registration(frame.code());
        if (registration == null) {
            send(new Frame.Error(frame.taskId(), TaskException.UNKNOWN_TASK_CODE,
                    "unknown task code " + frame.code()));
            return;
        }
        RunningTask task = new RunningTask(this, registration, frame.taskId(), frame.code(), frame.payload(),
                taskSequence.incrementAndGet());
        tasks.put(frame.taskId(), task);
        cancelWaitTimer();
        if (tasks.size() >= server.settings().maxTasksInFlight()) {
            pauseReading();
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
            send(new Frame.Error(task.taskId(), TaskException.SERVER_BUSY, "server busy: task rejected"));
            afterTaskRemoved();
        }
    }


    void onGoodbye() {
        // The client sends no more tasks: finish what is in flight, then close.
        disconnectOnLoop(server.settings().waitTimeout(), false);
    }

    // ---- task completion (any thread) ----

    /** Sends the final frame of a task and forgets it. */
    void finish(RunningTask task, Frame last) {
        if (channel.isActive() && closeReason == null) {
            send(last);
        }
        onLoop(() -> {
            if (tasks.remove(task.taskId(), task)) {
                afterTaskRemoved();
            }
        });
    }

    /** A task failed seriously: the client goes to the error state and is dropped. */
    void fail(RunningTask task, Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "{0}: task {1} ({2}) failed; dropping the client: {3}", this,
                Integer.toUnsignedString(task.taskId()), task.name(), String.valueOf(error));
        close("task " + Integer.toUnsignedString(task.taskId()) + " (" + task.name() + ") failed: " + error);
        onLoop(() -> tasks.remove(task.taskId(), task));
    }

    /** Runs on the event loop; once the loop is shut down (server stopped) there is nothing left to update. */
    private void onLoop(Runnable r) {
        try {
            loop.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            tasks.clear();
        }
    }

    private void afterTaskRemoved() {
        if (disconnecting) {
            if (tasks.isEmpty()) {
                closeGracefully("graceful disconnection");
            }
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
        channel.config().setAutoRead(false);
        if (decoder != null) {
            decoder.pause();
        }
    }

    private void resumeReading() {
        channel.config().setAutoRead(true);
        if (decoder != null) {
            decoder.resume();
        }
    }

    boolean isReadingPaused() {
        return !channel.config().isAutoRead();
    }

    private void armWaitTimer() {
        cancelWaitTimer();
        long nanos = server.settings().waitTimeout().toNanos();
        waitTimer = loop.schedule(() -> {
            waitTimer = null;
            if (tasks.isEmpty() && !disconnecting && closeReason == null) {
                send(new Frame.Goodbye());
                closeGracefully("timeout waiting for a task (" + server.settings().waitTimeout().toMillis() + " ms)");
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancelWaitTimer() {
        if (waitTimer != null) {
            waitTimer.cancel(false);
            waitTimer = null;
        }
    }

    void send(Frame frame) {
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    /**
     * Sends a chunk of an answer, counting its bytes until they are written to the socket. Netty's own writability
     * only sees a message once the event loop has encoded it, so a fast producer thread could otherwise queue
     * without bound in the event loop's task queue.
     */
    void sendChunk(Frame.Ok chunk) {
        int n = chunk.length();
        queuedAnswerBytes.addAndGet(n);
        channel.writeAndFlush(chunk).addListener(f -> {
            if (queuedAnswerBytes.addAndGet(-n) < ANSWER_HIGH_WATER_MARK) {
                writabilityChanged();
            }
        });
    }

    /** True when a run function may hand over another chunk. */
    boolean acceptsChunk() {
        return channel.isWritable() && queuedAnswerBytes.get() < ANSWER_HIGH_WATER_MARK;
    }

    // ---- writability, for RunningTask.write ----

    void writabilityChanged() {
        synchronized (writability) {
            writability.notifyAll();
        }
    }

    /** Waits a little for the channel to become writable or to close. */
    void awaitWritable() throws InterruptedException {
        synchronized (writability) {
            if (!acceptsChunk() && channel.isActive()) {
                writability.wait(50);
            }
        }
    }

    boolean littleEndian() {
        return littleEndian;
    }

    // ---- closing ----

    /** The channel closed: cancel everything still running. */
    void closed() {
        if (closeReason == null) {
            closeReason = "connection closed by the client";
        }
        cancelWaitTimer();
        if (disconnectTimer != null) {
            disconnectTimer.cancel(false);
        }
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
        }
        for (RunningTask t : tasks.values()) {
            t.cancel();
        }
        writabilityChanged();
        server.removed(this);
        LOG.log(System.Logger.Level.DEBUG, "{0}: closed: {1}", this, closeReason);
    }

    void close(String reason) {
        if (closeReason == null) {
            closeReason = reason; // from now on, no final frame is sent: the client sees the connection close
        }
        for (RunningTask t : tasks.values()) {
            t.cancel();
        }
        channel.close();
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
    private void closeGracefully(String reason) {
        if (closeReason == null) {
            closeReason = reason; // from now on frames from the client are ignored and nothing more is sent
        }
        if (lingering) {
            return;
        }
        lingering = true;
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
                lingerTimer = loop.schedule(() -> {
                    channel.close();
                }, server.settings().readTimeout().toNanos(), TimeUnit.NANOSECONDS);
                resumeReading(); // discard: the client's FIN then closes the channel
            }));
        });
    }

    private void disconnectOnLoop(Duration grace, boolean sendGoodbye) {
        if (closeReason != null) {
            return;
        }
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        if (disconnecting && deadline - disconnectDeadline >= 0) {
            return;
        }
        boolean first = !disconnecting;
        disconnecting = true;
        disconnectDeadline = deadline;
        cancelWaitTimer();
        pauseReading();
        if (first && sendGoodbye) {
            send(new Frame.Goodbye());
        }
        if (tasks.isEmpty()) {
            closeGracefully("graceful disconnection");
            return;
        }
        if (disconnectTimer != null) {
            disconnectTimer.cancel(false);
        }
        disconnectTimer = loop.schedule(() -> close("graceful disconnection: grace period over"),
                Math.max(0, grace.toNanos()), TimeUnit.NANOSECONDS);
    }

    // ---- ConnectedClient ----

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public Instant connectedAt() {
        return connectedAt;
    }

    @Override
    public ByteOrder byteOrder() {
        return littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    }

    @Override
    public List<Integer> tasks() {
        return tasks.keySet().stream().sorted(Integer::compareUnsigned).toList();
    }

    @Override
    public List<Integer> taskCodes() {
        return tasks.values().stream().sorted(Comparator.comparingLong(RunningTask::sequence))
                .map(RunningTask::code).toList();
    }

    @Override
    public List<Integer> tasksWithCode(int code) {
        return tasks.values().stream().filter(t -> t.code() == code).map(RunningTask::taskId)
                .sorted(Integer::compareUnsigned).toList();
    }

    @Override
    public Optional<TaskMetadata> metadata(int taskId) {
        RunningTask t = tasks.get(taskId);
        return t == null ? Optional.empty() : Optional.of(new TaskMetadata(taskId, t.code(), t.timestamp()));
    }

    @Override
    public Optional<Object> runData(int taskId) {
        RunningTask t = tasks.get(taskId);
        return t == null ? Optional.empty() : Optional.ofNullable(t.runData());
    }

    @Override
    public void cancel(int taskId) {
        RunningTask t = tasks.get(taskId);
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void cancelAll() {
        for (RunningTask t : tasks.values()) {
            t.cancel();
        }
    }

    @Override
    public void disconnect(Duration grace) {
        onLoop(() -> disconnectOnLoop(grace, true));
    }

    @Override
    public void close() {
        close("closed by the server");
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public Optional<String> closeReason() {
        return Optional.ofNullable(closeReason);
    }

    @Override
    public long pendingOutboundBytes() {
        return queuedAnswerBytes.get();
    }

    static String truncate(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MAX_ERROR_MESSAGE ? message : message.substring(0, MAX_ERROR_MESSAGE);
    }

    @Override
    public String toString() {
        return remoteAddress() + "->" + localAddress();
    }
}
