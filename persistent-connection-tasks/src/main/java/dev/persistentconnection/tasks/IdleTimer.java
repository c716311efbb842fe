package dev.persistentconnection.tasks;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.nio.AbstractNioChannel;
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

    /**
     * Before the peer is declared silent, reads what its socket already holds: true if that was something (the read
     * then counts as activity). An event loop serves the channels the selector reported, then runs the timers that
     * came due; bytes that arrived while it was busy (a starved process, a long pass over thousands of ready
     * connections: the JDK's selector reports at most 1,024 per call) wait for the next select, and without this
     * the timer would close a connection whose PING already sits in its receive buffer. Only on NIO channels, and
     * never while reading is paused on purpose (backpressure).
     */
    private boolean readWaitingBytes() {
        if (!(ctx.channel().unsafe() instanceof AbstractNioChannel.NioUnsafe nio)
                || !ctx.channel().config().isAutoRead()) {
            return false;
        }
        long before = lastRead;
        nio.read(); // what the selector would have done on the next turn; end of stream or an error closes
        return lastRead != before || stopped || !ctx.channel().isOpen();
    }

    private void check() {
        timer = null;
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long now = System.nanoTime();
        if (!reading && now - (lastRead + readerIdleNanos) >= 0 && !readWaitingBytes()) {
            lastRead = now;
            IdleStateEvent event = firstReaderIdle
                    ? IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT
                    : IdleStateEvent.READER_IDLE_STATE_EVENT;
            firstReaderIdle = false;
            ctx.fireUserEventTriggered(event);
        }
        if (stopped || !ctx.channel().isOpen()) {
            return;
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
