package dev.persistentconnection.transports;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One open TCP connection, made by a {@link TcpConnector}: messages are cut from the stream by its
 * {@link Framing}, and a send is framed the same way. Sends are written in the order they were made.
 */
public final class TcpSession implements MessageSession {
    private final Channel channel;
    private final InetSocketAddress address;
    private final SessionOptions options;
    private final Framing framing;
    private final TransportCounters counters;
    private final OutboundBuffer outbound;
    private final Inbound inbound;
    private final Duration idleTimeout;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile SessionClosedException closeReason;

    TcpSession(
            Channel channel,
            InetSocketAddress address,
            SessionOptions options,
            Framing framing,
            TransportCounters counters,
            Duration idleTimeout) {
        this.channel = channel;
        this.address = address;
        this.options = options;
        this.framing = framing;
        this.counters = counters;
        this.idleTimeout = idleTimeout;
        this.outbound = options.newOutboundBuffer(options.name() + " (" + describe(address) + ")");
        this.inbound = new Inbound(options, this, () -> closeWith(new SessionClosedException("the handler failed")));
        channel.closeFuture().addListener(f -> {
            if (closeReason == null && !closing) {
                closeReason = new SessionClosedException("closed by the peer " + describe(address));
            }
            closing = true;
            outbound.close();
            closeFinished.complete(null);
        });
    }

    /** The address this session connected to. */
    public InetSocketAddress address() {
        return address;
    }

    /** The Netty channel, to read its options or attributes; writing to it bypasses framing and the buffer. */
    public Channel channel() {
        return channel;
    }

    @Override
    public CompletionStage<Void> send(String text) {
        return write(text, null, TransportCounters.utf8Length(text));
    }

    @Override
    public CompletionStage<Void> send(byte[] bytes) {
        return write(null, bytes, bytes.length);
    }

    private CompletionStage<Void> write(String text, byte[] bytes, long size) {
        if (isClosed()) {
            return CompletableFuture.failedFuture(goneError());
        }
        RuntimeException full = outbound.reserve(size, !channel.eventLoop().inEventLoop());
        if (full != null) {
            return CompletableFuture.failedFuture(full);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        ByteBuf frame = framing.encode(channel.alloc(), text, bytes);
        channel.writeAndFlush(frame).addListener((ChannelFuture f) -> {
            outbound.release(size);
            if (f.isSuccess()) {
                counters.sent(size);
                done.complete(null);
            } else {
                done.completeExceptionally(
                        isClosed()
                                ? goneError()
                                : new SessionClosedException(
                                        "writing to " + describe(address) + " failed: " + f.cause(), f.cause()));
            }
        });
        return done;
    }

    @Override
    public CompletionStage<Void> close() {
        closing = true;
        channel.close();
        return closeFinished();
    }

    /** Closes with {@code reason} as the close reason (unless a close is already under way). */
    void closeWith(SessionClosedException reason) {
        if (closeReason == null && !closing) {
            closeReason = reason;
        }
        closing = true;
        channel.close();
    }

    @Override
    public boolean isClosed() {
        return closing || !channel.isActive();
    }

    @Override
    public CompletionStage<Void> closeFinished() {
        return closeFinished.copy();
    }

    @Override
    public Optional<SessionClosedException> closeReason() {
        return Optional.ofNullable(closeReason);
    }

    @Override
    public long pendingBytes() {
        return outbound.pending();
    }

    private SessionClosedException goneError() {
        SessionClosedException reason = closeReason;
        return reason != null
                ? reason
                : new SessionClosedException("the connection to " + describe(address) + " is closed");
    }

    @Override
    public String toString() {
        return "TcpSession[" + options.name() + ", " + describe(address) + "]";
    }

    static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** The last handler of the pipeline: frames to messages, idle and errors to a closed session. */
    final class Handler extends ChannelInboundHandlerAdapter {
        private static final int MAX_QUEUED = 1024;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            inbound.opened();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Message message;
            int size;
            ByteBuf frame = (ByteBuf) msg;
            try {
                size = frame.readableBytes();
                message = framing.message(frame);
            } finally {
                frame.release();
            }
            counters.received(size);
            inbound.message(message, options.executor() == null ? NOTHING : this::handled);
            if (options.executor() != null && inbound.queued() >= MAX_QUEUED) {
                channel.config().setAutoRead(false); // the handler is behind: stop reading until it catches up
            }
        }

        private void handled() {
            if (!channel.config().isAutoRead() && inbound.queued() == 0) {
                channel.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                closeWith(new SessionClosedException("nothing read from " + describe(address) + " for "
                        + idleTimeout.toMillis() + " ms (idle-timeout): the peer is presumed gone"));
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable error = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (error instanceof TooLongFrameException) {
                closeWith(new SessionClosedException(
                        "a frame from " + describe(address) + " is over max-message-size " + options.maxMessageSize()
                                + " bytes (" + error.getMessage() + ")",
                        error));
            } else {
                closeWith(new SessionClosedException(
                        "the connection to " + describe(address) + " failed: " + error, error));
            }
        }
    }

    private static final Runnable NOTHING = () -> {};
}
