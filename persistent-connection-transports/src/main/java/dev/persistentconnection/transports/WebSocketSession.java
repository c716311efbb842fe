package dev.persistentconnection.transports;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One open WebSocket, made by a {@link WebSocketConnector}. Sends go out one at a time in order (the JDK client
 * allows one outstanding send); received fragments are joined into whole messages before the handler sees them.
 */
public final class WebSocketSession implements MessageSession {
    /** The status this side closes with when it closes normally. */
    static final int NORMAL_CLOSURE = WebSocket.NORMAL_CLOSURE;
    /** The status for a message over the size limit (RFC 6455, 7.4.1). */
    static final int MESSAGE_TOO_BIG = 1009;

    private static final Duration CLOSE_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    private enum State {
        CONNECTING,
        OPEN,
        CLOSING,
        CLOSED
    }

    private final URI uri;
    private final SessionOptions options;
    private final TransportCounters counters;
    private final ScheduledExecutorService timer;
    private final Duration pingInterval;
    private final Duration pingTimeout;
    private final Consumer<WebSocketSession> onGone;
    private final OutboundBuffer outbound;
    private final Inbound inbound;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();

    private State state = State.CONNECTING; // guarded by this
    private boolean sending; // guarded by this
    private SessionClosedException closeReason; // guarded by this
    private volatile WebSocket socket;
    private volatile Future<?> pings;
    private volatile boolean awaitingPong;

    WebSocketSession(
            URI uri,
            SessionOptions options,
            TransportCounters counters,
            ScheduledExecutorService timer,
            Duration pingInterval,
            Duration pingTimeout,
            Consumer<WebSocketSession> onGone) {
        this.uri = uri;
        this.options = options;
        this.counters = counters;
        this.timer = timer;
        this.pingInterval = pingInterval;
        this.pingTimeout = pingTimeout;
        this.onGone = onGone;
        this.outbound = options.newOutboundBuffer(options.name() + " (" + uri + ")");
        this.inbound = new Inbound(options, this, () -> abort(new SessionClosedException("the handler failed")));
    }

    /** The URI this session connected to. */
    public URI uri() {
        return uri;
    }

    /** The subprotocol the server chose, or empty. */
    public String subprotocol() {
        WebSocket ws = socket;
        return ws == null ? "" : ws.getSubprotocol();
    }

    @Override
    public CompletionStage<Void> send(String text) {
        return enqueue(new Outgoing(text, null, TransportCounters.utf8Length(text)));
    }

    @Override
    public CompletionStage<Void> send(byte[] bytes) {
        return enqueue(new Outgoing(null, bytes, bytes.length));
    }

    @Override
    public CompletionStage<Void> close() {
        return closeWith(NORMAL_CLOSURE, "", null);
    }

    @Override
    public synchronized boolean isClosed() {
        return state == State.CLOSING || state == State.CLOSED;
    }

    @Override
    public CompletionStage<Void> closeFinished() {
        return closeFinished.copy();
    }

    @Override
    public synchronized Optional<SessionClosedException> closeReason() {
        return Optional.ofNullable(closeReason);
    }

    @Override
    public long pendingBytes() {
        return outbound.pending();
    }

    @Override
    public String toString() {
        return "WebSocketSession[" + options.name() + ", " + uri + "]";
    }

    WebSocket.Listener listener() {
        return new Listener();
    }

    // --- sending

    private record Outgoing(String text, byte[] bytes, long size, CompletableFuture<Void> done) {
        Outgoing(String text, byte[] bytes, long size) {
            this(text, bytes, size, new CompletableFuture<>());
        }
    }

    private CompletionStage<Void> enqueue(Outgoing message) {
        SessionClosedException gone = goneError();
        if (gone != null) {
            return CompletableFuture.failedFuture(gone);
        }
        RuntimeException full = outbound.reserve(message.size(), !(Thread.currentThread() instanceof IoThread));
        if (full != null) {
            return CompletableFuture.failedFuture(full);
        }
        boolean drain;
        synchronized (this) {
            if (state != State.OPEN) {
                outbound.release(message.size());
                return CompletableFuture.failedFuture(goneErrorLocked());
            }
            queue.add(message);
            drain = !sending;
            sending = true;
        }
        if (drain) {
            drain();
        }
        return message.done();
    }

    private synchronized SessionClosedException goneError() {
        return state == State.OPEN ? null : goneErrorLocked();
    }

    private SessionClosedException goneErrorLocked() {
        if (closeReason != null) {
            return closeReason;
        }
        return new SessionClosedException(
                state == State.CONNECTING ? "the WebSocket is not open yet" : "the WebSocket to " + uri + " is closed");
    }

    /** Writes the queued messages one at a time; runs on whichever thread completed the previous write. */
    private void drain() {
        while (true) {
            Outgoing next;
            synchronized (this) {
                next = state == State.OPEN ? queue.poll() : null;
                if (next == null) {
                    sending = false;
                    return;
                }
            }
            CompletableFuture<WebSocket> write;
            try {
                write = next.text() != null
                        ? socket.sendText(next.text(), true)
                        : socket.sendBinary(ByteBuffer.wrap(next.bytes()), true);
            } catch (RuntimeException e) {
                write = CompletableFuture.failedFuture(e);
            }
            if (write.isDone()) {
                written(next, write);
                continue;
            }
            Outgoing sent = next;
            CompletableFuture<WebSocket> pending = write;
            write.whenComplete((ws, error) -> {
                written(sent, pending);
                drain();
            });
            return;
        }
    }

    private void written(Outgoing message, CompletableFuture<WebSocket> write) {
        outbound.release(message.size());
        Throwable error = write.handle((ws, e) -> e).join();
        if (error == null) {
            counters.sent(message.size());
            message.done().complete(null);
        } else {
            SessionClosedException reason =
                    new SessionClosedException("writing to " + uri + " failed: " + error, error);
            message.done().completeExceptionally(reason);
            abort(reason);
        }
    }

    // --- closing

    private CompletionStage<Void> closeWith(int status, String text, SessionClosedException reason) {
        WebSocket ws;
        synchronized (this) {
            if (state == State.CLOSING || state == State.CLOSED) {
                return closeFinished();
            }
            state = State.CLOSING;
            if (closeReason == null) {
                closeReason = reason;
            }
            ws = socket;
        }
        stopPinging();
        outbound.close();
        failQueued();
        if (ws == null) {
            finish(null);
            return closeFinished();
        }
        // The close handshake: the peer's Close ends it (onClose); an unresponsive peer is cut off.
        CompletableFuture<WebSocket> sent;
        try {
            sent = ws.sendClose(status, text);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((w, e) -> {
            if (e != null) {
                abort(null);
            }
        });
        try {
            timer.schedule(() -> abort(null), CLOSE_HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            abort(null);
        }
        return closeFinished();
    }

    /** Closes at once, without a close handshake, recording {@code reason} unless one is recorded. */
    void abort(SessionClosedException reason) {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            if (closeReason == null && state != State.CLOSING) {
                closeReason = reason;
            }
            state = State.CLOSED;
        }
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        finish(null);
    }

    /** The socket is gone: release everything, fail what waits, tell the persistent connection. */
    private void finish(SessionClosedException reason) {
        synchronized (this) {
            if (closeReason == null && state != State.CLOSING && reason != null) {
                closeReason = reason;
            }
            state = State.CLOSED;
        }
        stopPinging();
        outbound.close();
        failQueued();
        if (closeFinished.complete(null)) {
            onGone.accept(this);
        }
    }

    private void failQueued() {
        while (true) {
            Outgoing message;
            SessionClosedException error;
            synchronized (this) {
                message = queue.poll();
                error = goneErrorLocked();
            }
            if (message == null) {
                return;
            }
            outbound.release(message.size());
            message.done().completeExceptionally(error);
        }
    }

    // --- pings

    private void startPinging() {
        if (pingInterval.isZero()) {
            return;
        }
        try {
            pings = timer.scheduleAtFixedRate(
                    this::ping, pingInterval.toNanos(), pingInterval.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            abort(new SessionClosedException("the connector is closed"));
        }
    }

    private void stopPinging() {
        Future<?> p = pings;
        if (p != null) {
            p.cancel(false);
        }
    }

    private void ping() {
        if (awaitingPong || isClosed()) {
            return; // the timeout of the ping in flight decides
        }
        awaitingPong = true;
        try {
            socket.sendPing(ByteBuffer.allocate(0)).exceptionally(e -> {
                abort(new SessionClosedException("a ping to " + uri + " failed: " + e, e));
                return null;
            });
        } catch (IllegalStateException e) {
            awaitingPong = false; // a pong of ours is being sent: ping at the next tick
            return;
        }
        timer.schedule(
                () -> {
                    if (awaitingPong) {
                        abort(new SessionClosedException("no pong from " + uri + " within " + pingTimeout.toMillis()
                                + " ms of a ping: the server is presumed gone"));
                    }
                },
                pingTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    // --- receiving

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private long textBytes;
        private byte[] binary = new byte[0];
        private int binaryLength;

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
            synchronized (WebSocketSession.this) {
                if (state == State.CONNECTING) {
                    state = State.OPEN;
                }
            }
            startPinging();
            inbound.opened();
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            textBytes += TransportCounters.utf8Length(data);
            if (textBytes > options.maxMessageSize()) {
                tooBig(textBytes);
                return null;
            }
            text.append(data);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            long size = textBytes;
            Message message = Message.text(text.toString());
            text.setLength(0);
            textBytes = 0;
            deliver(webSocket, message, size);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            long size = (long) binaryLength + data.remaining();
            if (size > options.maxMessageSize()) {
                tooBig(size);
                return null;
            }
            if (binary.length < size) {
                binary = Arrays.copyOf(
                        binary, (int) Math.min(options.maxMessageSize(), Math.max(size, binary.length * 2L)));
            }
            int n = data.remaining();
            data.get(binary, binaryLength, n);
            binaryLength += n;
            if (!last) {
                webSocket.request(1);
                return null;
            }
            Message message = Message.binary(Arrays.copyOf(binary, binaryLength));
            binaryLength = 0;
            if (binary.length > 64 * 1024) {
                binary = new byte[0]; // do not keep a large buffer for the life of the session
            }
            deliver(webSocket, message, size);
            return null;
        }

        private void deliver(WebSocket webSocket, Message message, long size) {
            counters.received(size);
            inbound.message(message, () -> webSocket.request(1));
        }

        private void tooBig(long size) {
            SessionClosedException reason = new SessionClosedException("a message of " + uri
                    + " is over max-message-size " + options.maxMessageSize() + " bytes (at least " + size + " bytes)");
            text.setLength(0);
            binaryLength = 0;
            closeWith(MESSAGE_TOO_BIG, "message too big", reason);
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1); // the JDK client answers with a pong itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            awaitingPong = false;
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            // Returning completes the close handshake: the client answers with a Close of its own.
            finish(new SessionClosedException(
                    "closed by the peer: " + statusCode + (reason.isEmpty() ? "" : " " + reason)));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            finish(new SessionClosedException("the WebSocket to " + uri + " failed: " + error, error));
        }
    }

    /** The JDK client's threads, so that a send from one never waits for the buffer (it would wait for itself). */
    static final class IoThread extends Thread {
        IoThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }
}
