package dev.persistentconnection.transports;

import dev.persistentconnection.ConnectContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens {@link WebSocketSession}s with the JDK's {@code java.net.http} client: a ws or wss URI per attempt,
 * headers and subprotocols in the handshake, pings for half-open detection.
 *
 * <pre>{@code
 * WebSocketConnector connector = WebSocketConnector.builder((session, message) -> prices.update(message.text()))
 *         .header("Authorization", "Bearer " + token)
 *         .pingInterval(Duration.ofSeconds(10)).pingTimeout(Duration.ofSeconds(5))
 *         .build();
 * PersistentConnection<URI, WebSocketSession> feed = PersistentConnection.builder("prices",
 *         AddressSuppliers.fixed(URI.create("wss://feed.example.com/v1/prices")), connector,
 *         MessageSession.<WebSocketSession>lifecycle()).build();
 * }</pre>
 *
 * <p>The connector owns its HTTP client's threads and a timer thread (daemons); {@link #close()} stops them and
 * closes the sessions still open.
 */
public final class WebSocketConnector implements MessageConnector<URI, WebSocketSession> {
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final SessionOptions options;
    private final Map<String, String> headers;
    private final List<String> subprotocols;
    private final Duration pingInterval;
    private final Duration pingTimeout;
    private final ExecutorService httpThreads;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final TransportCounters counters = new TransportCounters();
    private final java.util.Set<WebSocketSession> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private WebSocketConnector(Builder b) {
        this.options = b.sessionOptions();
        this.headers = Map.copyOf(b.headers);
        this.subprotocols = List.copyOf(b.subprotocols);
        this.pingInterval = b.pingInterval;
        this.pingTimeout = b.pingTimeout;
        int id = COUNT.incrementAndGet();
        this.httpThreads = Executors.newCachedThreadPool(ioThreads("websocket-" + id + "-io"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemons("websocket-" + id + "-timer"));
        HttpClient.Builder client =
                HttpClient.newBuilder().executor(httpThreads).connectTimeout(options.connectTimeout());
        if (options.sslContext() != null) {
            client.sslContext(options.sslContext());
        }
        this.http = client.build();
    }

    /** A builder whose sessions hand every message to {@code handler}. */
    public static Builder builder(MessageHandler handler) {
        return new Builder(handler);
    }

    @Override
    public TransportCounters counters() {
        return counters;
    }

    @Override
    public CompletionStage<WebSocketSession> connect(URI uri, ConnectContext context) {
        return connect(uri);
    }

    /** Opens a session to {@code uri} (ws or wss); the stage fails if the TCP, TLS or WebSocket handshake does. */
    public CompletableFuture<WebSocketSession> connect(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            return CompletableFuture.failedFuture(new dev.persistentconnection.FatalConnectException(
                    "not a WebSocket URI (ws:// or wss://): " + uri));
        }
        if (closed) {
            return CompletableFuture.failedFuture(
                    new IOException("cannot connect to " + uri + ": the connector is closed"));
        }
        WebSocketSession session =
                new WebSocketSession(uri, options, counters, timer, pingInterval, pingTimeout, open::remove);
        WebSocket.Builder handshake = http.newWebSocketBuilder().connectTimeout(options.connectTimeout());
        headers.forEach(handshake::header);
        if (!subprotocols.isEmpty()) {
            handshake.subprotocols(
                    subprotocols.get(0),
                    subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        CompletableFuture<WebSocketSession> result = new CompletableFuture<>();
        try {
            handshake.buildAsync(uri, session.listener()).whenComplete((socket, error) -> {
                if (error != null) {
                    result.completeExceptionally(connectFailure(uri, error));
                } else if (closed) {
                    socket.abort();
                    result.completeExceptionally(
                            new IOException("cannot connect to " + uri + ": the connector is closed"));
                } else {
                    open.add(session);
                    result.complete(session);
                }
            });
        } catch (IllegalArgumentException e) {
            // A header the JDK refuses to set (Host, Connection, Upgrade, Sec-WebSocket-*): retrying cannot help.
            result.completeExceptionally(new dev.persistentconnection.FatalConnectException(
                    "cannot open a WebSocket to " + uri + ": " + e.getMessage(), e));
        }
        return result;
    }

    private static Throwable connectFailure(URI uri, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof WebSocketHandshakeException handshake) {
            return new IOException(
                    "WebSocket handshake with " + uri + " refused: HTTP "
                            + handshake.getResponse().statusCode(),
                    cause);
        }
        return new IOException("cannot open a WebSocket to " + uri + ": " + cause, cause);
    }

    /** Closes the sessions still open and stops the connector's threads; later connects fail. */
    @Override
    public void close() {
        closed = true;
        for (WebSocketSession session : List.copyOf(open)) {
            session.abort(null);
        }
        timer.shutdownNow();
        httpThreads.shutdownNow();
    }

    private static ThreadFactory ioThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> new WebSocketSession.IoThread(r, name + "-" + n.incrementAndGet());
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Settings of a {@link WebSocketConnector}; the common ones are documented where they are declared. */
    public static final class Builder extends SessionOptions.Builder<Builder> {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final List<String> subprotocols = new ArrayList<>();
        private Duration pingInterval = Duration.ofSeconds(30);
        private Duration pingTimeout = Duration.ofSeconds(10);

        private Builder(MessageHandler handler) {
            super(handler);
        }

        /** A header sent with the opening handshake (e.g. Authorization); its value is never logged. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Subprotocols offered in preference order; the server must accept one of them. */
        public Builder subprotocols(List<String> protocols) {
            subprotocols.clear();
            subprotocols.addAll(protocols);
            return this;
        }

        /**
         * How often to ping the server (default 30 s); zero sends no pings. A server that does not answer within
         * {@link #pingTimeout} is presumed gone: the session is closed, and reconnected by its persistent
         * connection, within interval + timeout of going silent.
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = nonNegative(interval, "pingInterval");
            return this;
        }

        /** How long a ping may go unanswered; default 10 s. */
        public Builder pingTimeout(Duration timeout) {
            this.pingTimeout = positive(timeout, "pingTimeout");
            return this;
        }

        public WebSocketConnector build() {
            return new WebSocketConnector(this);
        }
    }
}
