package dev.persistentconnection.tasks;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Read and write silence for the heartbeat, with one timer per connection: fires {@link IdleStateEvent}s for
 * {@link HeartbeatHandler} as Netty's {@code IdleStateHandler} does, without its two timers per connection and
 * without a promise and a listener for every write (it turns each void write promise into a real one to learn when
 * the write completed; here a write counts as activity when it is made). Reader idle: nothing read for
 * {@code readerIdleNanos}; writer idle: nothing written for {@code writerIdleNanos}. Each fires again after another
 * full period of silence.
 */
final class IdleTimer extends ChannelDuplexHandler {
    private final long readerIdleNanos;
    private final long writerIdleNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private long lastRead;
    private long lastWrite;
    private boolean reading;
    private boolean firstReaderIdle = true;
    private boolean firstWriterIdle = true;
    private boolean stopped;

    IdleTimer(long readerIdleNanos, long writerIdleNanos) {
        this.readerIdleNanos = readerIdleNanos;
        this.writerIdleNanos = writerIdleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start() {
        if (timer != null || stopped) {
            return;
        }
        long now = System.nanoTime();
        lastRead = now;
        lastWrite = now;
        schedule(Math.min(readerIdleNanos, writerIdleNanos));
    }

    private void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::check, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        firstReaderIdle = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (reading) {
            lastRead = System.nanoTime();
            reading = false;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastWrite = System.nanoTime();
        firstWriterIdle = true;
        ctx.write(msg, promise);
    }

    private void check() {
        timer = null;
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long now = System.nanoTime();
        if (!reading && now - (lastRead + readerIdleNanos) >= 0) {
            lastRead = now;
            IdleStateEvent event = firstReaderIdle
                    ? IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT
                    : IdleStateEvent.READER_IDLE_STATE_EVENT;
            firstReaderIdle = false;
            ctx.fireUserEventTriggered(event);
        }
        if (now - (lastWrite + writerIdleNanos) >= 0) {
            lastWrite = now;
            IdleStateEvent event = firstWriterIdle
                    ? IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT
                    : IdleStateEvent.WRITER_IDLE_STATE_EVENT;
            firstWriterIdle = false;
            ctx.fireUserEventTriggered(event);
        }
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long readDue = reading ? now + readerIdleNanos : lastRead + readerIdleNanos;
        long writeDue = lastWrite + writerIdleNanos;
        schedule(Math.min(readDue - now, writeDue - now));
    }
}
