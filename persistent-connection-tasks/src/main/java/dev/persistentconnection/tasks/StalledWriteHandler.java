package dev.persistentconnection.tasks;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.WriteTimeoutException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The write timeout with one timer per connection instead of one per written frame (Netty's
 * {@code WriteTimeoutHandler} schedules, and cancels, a timer and a promise listener for every write): the timer is
 * armed by the first write while none is armed and, when it fires, looks at the outbound buffer. If bytes are
 * still waiting and none of them went out since the last look, the connection has made no write progress for a
 * whole write timeout and is failed with {@link WriteTimeoutException}; if some went out it looks again one timeout
 * later; if nothing waits it disarms. A stalled write is so detected after one to two write timeouts.
 */
final class StalledWriteHandler extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
    private Object lastMessage;
    private long lastProgress;
    private long lastPending;
    private boolean timedOut;

    StalledWriteHandler(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ctx.write(msg, promise);
        if (timer == null && timeoutNanos > 0 && !timedOut) {
            snapshot(ctx.channel().unsafe().outboundBuffer());
            timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer == null || !ctx.channel().isOpen() || buffer.totalPendingWriteBytes() == 0) {
            return; // closed, or everything written: the next write arms the timer again
        }
        boolean progress = buffer.current() != lastMessage
                || buffer.currentProgress() != lastProgress
                || buffer.totalPendingWriteBytes() < lastPending;
        if (!progress) {
            timedOut = true;
            ctx.fireExceptionCaught(WriteTimeoutException.INSTANCE);
            return;
        }
        snapshot(buffer);
        timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void snapshot(ChannelOutboundBuffer buffer) {
        if (buffer == null) {
            return;
        }
        lastMessage = buffer.current();
        lastProgress = buffer.currentProgress();
        lastPending = buffer.totalPendingWriteBytes();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        lastMessage = null;
    }
}
