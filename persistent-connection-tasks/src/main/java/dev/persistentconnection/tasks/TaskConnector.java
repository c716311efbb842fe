package dev.persistentconnection.tasks;

import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.Connector;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Opens {@link TaskClient} connections: TCP connect, optional TLS, protocol handshake, all bounded by the connect
 * timeout. A refused connection, an unknown host, a timeout or a server that is full fail the stage with a
 * retryable {@link IOException}; a refused handshake (wrong protocol) fails it with
 * {@link dev.persistentconnection.FatalConnectException}, which stops a {@code PersistentConnection}.
 *
 * <p>Unless the options name an event loop group, the connector creates one (one daemon thread) and
 * {@link #close()} shuts it down, closing the connections that run on it.
 */
public final class TaskConnector implements Connector<InetSocketAddress, TaskClient>, AutoCloseable {
    private final TaskClientOptions options;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private volatile boolean closed;

    TaskConnector(TaskClientOptions options) {
        this(options, "task-client-io");
    }

    /** A connector whose own I/O thread (if it creates one) is named after {@code threadName}. */
    TaskConnector(TaskClientOptions options, String threadName) {
        this.options = Objects.requireNonNull(options, "options");
        this.ownsGroup = options.eventLoopGroup().isEmpty();
        this.group = options.eventLoopGroup()
                .orElseGet(() -> new MultiThreadIoEventLoopGroup(
                        1, new DefaultThreadFactory(threadName, true), NioIoHandler.newFactory()));
    }

    /** The options every connection gets. */
    public TaskClientOptions options() {
        return options;
    }

    @Override
    public CompletionStage<TaskClient> connect(InetSocketAddress address, ConnectContext context) {
        return connect(address);
    }

    /**
     * Connects and handshakes with the server at {@code address}; never blocks. A server that speaks only protocol
     * version 1 refuses a version-2 hello: then the connector connects once more, with version 1.
     */
    public CompletableFuture<TaskClient> connect(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        return connect(address, options).exceptionallyCompose(e -> {
            Throwable cause =
                    e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ClientHandshakeHandler.VersionRefusedException) {
                return connect(
                        address,
                        options.toBuilder()
                                .protocolVersion(Handshake.MIN_VERSION)
                                .build());
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private CompletableFuture<TaskClient> connect(InetSocketAddress address, TaskClientOptions options) {
        CompletableFuture<TaskClient> result = new CompletableFuture<>();
        if (closed || group.isShuttingDown()) {
            // A shut-down group would never notify the connect listener: fail now rather than hang.
            result.completeExceptionally(
                    new IOException("cannot connect to " + describe(address) + ": the connector is closed"));
            return result;
        }
        long timeoutNanos = options.connectTimeout().toNanos();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(
                        1, Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis())))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        TaskPipeline.initClient(ch, options, address, result);
                    }
                });
        ChannelFuture connecting;
        try {
            connecting = bootstrap.connect(address);
        } catch (RejectedExecutionException | IllegalStateException e) {
            result.completeExceptionally(
                    new IOException("cannot connect to " + describe(address) + ": the connector is closed", e));
            return result;
        }
        connecting.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(connectFailure(address, f.cause()));
                return;
            }
            Channel ch = f.channel();
            var timer = ch.eventLoop()
                    .schedule(
                            () -> {
                                if (result.completeExceptionally(
                                        new IOException("handshake with " + describe(address) + " timed out after "
                                                + options.connectTimeout().toMillis() + " ms"))) {
                                    ch.close();
                                }
                            },
                            timeoutNanos,
                            TimeUnit.NANOSECONDS);
            result.whenComplete((c, e) -> {
                timer.cancel(false);
                if (e != null) {
                    ch.close();
                }
            });
        });
        return result;
    }

    private static IOException connectFailure(InetSocketAddress address, Throwable cause) {
        String detail;
        if (cause instanceof UnknownHostException) {
            detail = "unknown host " + address.getHostString();
        } else if (cause instanceof ConnectTimeoutException) {
            detail = "connect timed out";
        } else if (cause instanceof ConnectException) {
            detail = "connection refused";
        } else {
            detail = String.valueOf(cause);
        }
        return new IOException("cannot connect to " + describe(address) + ": " + detail, cause);
    }

    private static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /**
     * Stops connecting (later attempts fail at once) and releases the event loop group if this connector created it
     * (bounded wait), which closes its connections; a group the caller gave in the options is left alone.
     */
    @Override
    public void close() {
        closed = true;
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
