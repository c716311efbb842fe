package dev.persistentconnection.tasks;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Keeps a quiet connection alive and detects a dead peer, on both sides. Placed after an {@link IdleTimer}:
 * when this side has written nothing for the heartbeat interval it sends PING; when it has received nothing for
 * the heartbeat timeout it closes the connection. Answers PING with PONG and swallows both: one PONG per read
 * however many PINGs it held, and none while the outbound buffer is full (the bytes queued there will show the
 * peer that this side lives), so that a peer flooding PINGs without reading costs one small write per read, not
 * a write per PING piling up in memory; more than {@value #MAX_PINGS_PER_SECOND} PINGs within a second close the
 * connection (a live peer sends one per heartbeat interval). While this side has stopped reading on purpose (backpressure, graceful
 * disconnect) the silence is its own and is not held against the peer.
 */
final class HeartbeatHandler extends ChannelDuplexHandler {
    private final Duration timeout;
    private final BooleanSupplier readingPaused;
    private final CloseHandle closer;
    private final java.util.function.Consumer<String> onFlood;
    /** More PINGs than this within one second are a flood (PROTOCOL.md, "Heartbeats"). */
    static final int MAX_PINGS_PER_SECOND = 100;

    private static final long SECOND = 1_000_000_000L;
    private boolean pongOwed;
    private long pingsSince = System.nanoTime();
    private int pings;
    /** Closed for a PING flood: the rest of what it sent is dropped, and the flood told once. */
    private boolean flooded;

    HeartbeatHandler(Duration timeout, BooleanSupplier readingPaused, CloseHandle closer) {
        this(timeout, readingPaused, closer, reason -> {});
    }

    /** @param onFlood told why, before a PING flood closes the connection (the server reports it) */
    HeartbeatHandler(
            Duration timeout,
            BooleanSupplier readingPaused,
            CloseHandle closer,
            java.util.function.Consumer<String> onFlood) {
        this.timeout = timeout;
        this.readingPaused = readingPaused;
        this.closer = closer;
        this.onFlood = onFlood;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (flooded) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Frame.Ping) {
            long now = System.nanoTime();
            if (now - pingsSince > SECOND) {
                pingsSince = now;
                pings = 0;
            }
            if (++pings > MAX_PINGS_PER_SECOND) {
                pongOwed = false;
                flooded = true;
                String reason = "protocol error: more than " + MAX_PINGS_PER_SECOND + " PINGs within one second";
                onFlood.accept(reason);
                closer.close(reason);
                return;
            }
            pongOwed = true;
        } else if (!(msg instanceof Frame.Pong)) {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pongOwed) {
            pongOwed = false;
            if (ctx.channel().isWritable() && !outputShutdown(ctx)) {
                ctx.channel().writeAndFlush(new Frame.Pong(), ctx.channel().voidPromise());
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.WRITER_IDLE && !outputShutdown(ctx)) {
                ctx.channel().writeAndFlush(new Frame.Ping(), ctx.channel().voidPromise());
            } else if (idle.state() == IdleState.READER_IDLE && !readingPaused.getAsBoolean()) {
                closer.close("heartbeat timeout: nothing received from the peer for " + timeout.toMillis() + " ms");
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** After a graceful close has shut the output down (the server's lingering close) nothing may be written. */
    private static boolean outputShutdown(ChannelHandlerContext ctx) {
        return ctx.channel() instanceof DuplexChannel d && d.isOutputShutdown();
    }
}
