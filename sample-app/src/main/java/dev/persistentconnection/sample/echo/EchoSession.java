package dev.persistentconnection.sample.echo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import dev.persistentconnection.ConnectionLifecycle;

/**
 * The connection type of the {@code echo} connection: a JDK {@link WebSocket} plus a future that completes when
 * it is gone, for whatever reason. This is all the starter needs to keep any protocol alive: a way to open it
 * ({@link #open}), to close it, to tell whether it is closed, and to wait until it is ({@link #LIFECYCLE}).
 */
public final class EchoSession {

    /** How the engine closes and watches an {@code EchoSession}. */
    public static final ConnectionLifecycle<EchoSession> LIFECYCLE = new ConnectionLifecycle<>() {

        @Override
        public CompletionStage<Void> close(EchoSession session) {
            session.closing = true;
            session.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                    .orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((ignored, error) -> {
                        session.socket.abort();
                        session.gone(new IllegalStateException("closed by this side"));
                    });
            return session.closed;
        }

        @Override
        public boolean isClosed(EchoSession session) {
            return session.closing || session.closed.isDone() || session.socket.isOutputClosed()
                    || session.socket.isInputClosed();
        }

        @Override
        public CompletionStage<Void> closeFinished(EchoSession session) {
            return session.closed;
        }
    };

    private final URI uri;
    private final CompletableFuture<Void> closed;
    private final Queue<CompletableFuture<String>> pending;
    private volatile WebSocket socket;
    private volatile boolean closing;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

    private EchoSession(URI uri, CompletableFuture<Void> closed, Queue<CompletableFuture<String>> pending) {
        this.uri = uri;
        this.closed = closed;
        this.pending = pending;
    }

    /** Opens a WebSocket to {@code uri}; the stage fails if the handshake does, which is a failed attempt. */
    public static CompletableFuture<EchoSession> open(HttpClient http, URI uri, Duration connectTimeout) {
        EchoSession session = new EchoSession(uri, new CompletableFuture<>(), new ConcurrentLinkedQueue<>());
        return http.newWebSocketBuilder()
                .connectTimeout(connectTimeout)
                .buildAsync(uri, session.new Listener())
                .thenApply(socket -> {
                    session.socket = socket;
                    return session;
                });
    }

    /** Sends {@code text}; the future completes with the server's echo of it. */
    public synchronized CompletableFuture<String> echo(String text) {
        CompletableFuture<String> reply = new CompletableFuture<>();
        pending.add(reply);
        // One send at a time: the JDK WebSocket refuses a send while the previous one is in progress.
        lastSend = lastSend.handle((ignored, error) -> null)
                .thenCompose(ignored -> socket.sendText(text, true))
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        reply.completeExceptionally(error);
                    }
                });
        return reply;
    }

    /** The endpoint this session is connected to. */
    public URI uri() {
        return uri;
    }

    private void gone(Throwable reason) {
        closed.complete(null);
        CompletableFuture<String> waiting;
        while ((waiting = pending.poll()) != null) {
            waiting.completeExceptionally(reason);
        }
    }

    @Override
    public String toString() {
        return "EchoSession[" + uri + "]";
    }

    private final class Listener implements WebSocket.Listener {

        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                CompletableFuture<String> reply = pending.poll();
                if (reply != null) {
                    reply.complete(text.toString());
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            // The server closed (or went away): the engine sees closeFinished complete, publishes Disconnected
            // and reconnects.
            gone(new IllegalStateException("closed by the server: " + statusCode + " " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            gone(error);
        }
    }
}
