package dev.persistentconnection.transports;

import dev.persistentconnection.ConnectContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Opens {@link TcpSession}s on Netty: a plain TCP (or TLS) connection whose byte stream the {@link Framing}
 * cuts into messages.
 *
 * <pre>{@code
 * TcpConnector connector = TcpConnector.builder((session, message) -> telemetry.record(message.text()))
 *         .framing(Framing.line())
 *         .idleTimeout(Duration.ofSeconds(30))
 *         .build();
 * PersistentConnection<InetSocketAddress, TcpSession> feed = PersistentConnection.builder("telemetry",
 *         AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", 9100)), connector,
 *         MessageSession.<TcpSession>lifecycle()).build();
 * }</pre>
 *
 * <p>Half-open detection without any protocol: {@link Builder#idleTimeout} closes a connection on which nothing
 * was read for that long; TCP keepalive and, with Netty's native epoll transport on the class path, Linux's
 * {@code TCP_USER_TIMEOUT} let the kernel find a dead peer too. The connector owns one daemon I/O thread;
 * {@link #close()} stops it and closes the sessions on it.
 */
public final class TcpConnector implements MessageConnector<InetSocketAddress, TcpSession> {
    private static final System.Logger LOG = System.getLogger(TcpConnector.class.getName());

    private final SessionOptions options;
    private final Framing framing;
    private final Duration idleTimeout;
    private final SocketOptions socketOptions;
    private final EventLoopGroup group;
    private final TransportCounters counters = new TransportCounters();
    private volatile boolean closed;

    private TcpConnector(Builder b) {
        this.options = b.sessionOptions();
        this.framing = b.framing;
        this.idleTimeout = b.idleTimeout;
        this.socketOptions = SocketOptions.choose(
                b.nativeTransport,
                b.keepAlive,
                b.keepAliveIdle,
                b.keepAliveInterval,
                b.keepAliveCount,
                b.tcpUserTimeout);
        this.group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("tcp-" + b.threadName() + "-io", true), socketOptions.ioHandlerFactory());
        socketOptions.unavailable().ifPresent(note -> LOG.log(System.Logger.Level.INFO, options.name() + ": " + note));
    }

    /** A builder whose sessions hand every message to {@code handler}. */
    public static Builder builder(MessageHandler handler) {
        return new Builder(handler);
    }

    @Override
    public TransportCounters counters() {
        return counters;
    }

    /** True when the sessions run on Netty's native epoll transport (Linux, with it on the class path). */
    public boolean nativeTransport() {
        return socketOptions.isNative();
    }

    @Override
    public CompletionStage<TcpSession> connect(InetSocketAddress address, ConnectContext context) {
        return connect(address);
    }

    /** Connects (and, with an SSL context, completes the TLS handshake) to {@code address}; never blocks. */
    public CompletableFuture<TcpSession> connect(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        CompletableFuture<TcpSession> result = new CompletableFuture<>();
        if (closed || group.isShuttingDown()) {
            result.completeExceptionally(
                    new IOException("cannot connect to " + TcpSession.describe(address) + ": the connector is closed"));
            return result;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(socketOptions.channelType())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(
                        1, Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis())))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline(ch, address, result);
                    }
                });
        socketOptions.apply(bootstrap);
        ChannelFuture connecting;
        try {
            connecting = bootstrap.connect(address);
        } catch (RejectedExecutionException | IllegalStateException e) {
            result.completeExceptionally(new IOException(
                    "cannot connect to " + TcpSession.describe(address) + ": the connector is closed", e));
            return result;
        }
        connecting.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new IOException(
                        "cannot connect to " + TcpSession.describe(address) + ": "
                                + f.cause().getMessage(),
                        f.cause()));
            } else if (options.sslContext() == null) {
                opened(f.channel(), result);
            }
        });
        return result;
    }

    /** The pipeline, in the order bytes go through it on the way in. */
    private void pipeline(SocketChannel ch, InetSocketAddress address, CompletableFuture<TcpSession> result) {
        TcpSession session = new TcpSession(ch, address, options, framing, counters, idleTimeout);
        ChannelPipeline p = ch.pipeline();
        if (options.sslContext() != null) {
            p.addLast("tls", tls(ch, address, result));
        }
        if (!idleTimeout.isZero()) {
            p.addLast("idle", new IdleStateHandler(idleTimeout.toNanos(), 0, 0, TimeUnit.NANOSECONDS));
        }
        ChannelHandler decoder = framing.decoder(options.maxMessageSize());
        if (decoder != null) {
            p.addLast("framing", decoder);
        }
        p.addLast("session", session.new Handler());
        ch.attr(SESSION).set(session);
    }

    private SslHandler tls(SocketChannel ch, InetSocketAddress address, CompletableFuture<TcpSession> result) {
        SSLEngine engine = options.sslContext().createSSLEngine(address.getHostString(), address.getPort());
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        engine.setSSLParameters(parameters);
        SslHandler handler = new SslHandler(engine);
        handler.setHandshakeTimeoutMillis(Math.max(1, options.connectTimeout().toMillis()));
        handler.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                opened(ch, result);
            } else {
                result.completeExceptionally(new IOException(
                        "TLS handshake with " + TcpSession.describe(address) + " failed: "
                                + f.cause().getMessage(),
                        f.cause()));
                ch.close();
            }
        });
        return handler;
    }

    private static final io.netty.util.AttributeKey<TcpSession> SESSION =
            io.netty.util.AttributeKey.valueOf(TcpSession.class, "session");

    private void opened(Channel ch, CompletableFuture<TcpSession> result) {
        TcpSession session = ch.attr(SESSION).get();
        if (closed) {
            ch.close();
            result.completeExceptionally(new IOException("the connector is closed"));
        } else if (!result.complete(session)) {
            ch.close();
        }
    }

    /** Stops the I/O thread, closing every session on it; later connects fail. */
    @Override
    public void close() {
        closed = true;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Settings of a {@link TcpConnector}; the common ones are documented where they are declared. */
    public static final class Builder extends SessionOptions.Builder<Builder> {
        private Framing framing = Framing.line();
        private Duration idleTimeout = Duration.ZERO;
        private boolean keepAlive = true;
        private Duration keepAliveIdle;
        private Duration keepAliveInterval;
        private Integer keepAliveCount;
        private Duration tcpUserTimeout;
        private boolean nativeTransport = true;
        private String threadName;

        private Builder(MessageHandler handler) {
            super(handler);
        }

        private String threadName() {
            return threadName != null ? threadName : "connection";
        }

        @Override
        public Builder name(String name) {
            this.threadName = name;
            return super.name(name);
        }

        /** How the stream is cut into messages; default {@link Framing#line()}. */
        public Builder framing(Framing framing) {
            this.framing = Objects.requireNonNull(framing, "framing");
            return this;
        }

        /**
         * Nothing read for this long closes the session (the peer is presumed gone) and its persistent connection
         * reconnects; zero, the default, never does. Set it above the peer's own heartbeat interval.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative(timeout, "idleTimeout");
            return this;
        }

        /** {@code SO_KEEPALIVE}; default true. */
        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /** {@code TCP_KEEPIDLE}: idle time before the first keepalive probe (whole seconds); default the OS's. */
        public Builder keepAliveIdle(Duration idle) {
            this.keepAliveIdle = positive(idle, "keepAliveIdle");
            return this;
        }

        /** {@code TCP_KEEPINTVL}: time between keepalive probes (whole seconds); default the OS's. */
        public Builder keepAliveInterval(Duration interval) {
            this.keepAliveInterval = positive(interval, "keepAliveInterval");
            return this;
        }

        /** {@code TCP_KEEPCNT}: unanswered probes before the connection is dropped; default the OS's. */
        public Builder keepAliveCount(int count) {
            this.keepAliveCount = positive(count, "keepAliveCount");
            return this;
        }

        /**
         * Linux {@code TCP_USER_TIMEOUT}: written data unacknowledged for this long drops the connection. Needs the
         * native epoll transport; without it the option is skipped with a logged note.
         */
        public Builder tcpUserTimeout(Duration timeout) {
            this.tcpUserTimeout = positive(timeout, "tcpUserTimeout");
            return this;
        }

        /** Use Netty's native epoll transport when it is on the class path and loads; default true. */
        public Builder nativeTransport(boolean useNative) {
            this.nativeTransport = useNative;
            return this;
        }

        public TcpConnector build() {
            return new TcpConnector(this);
        }
    }
}
