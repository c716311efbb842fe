package dev.persistentconnection.tasks;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Limits the connections accepted per second from one remote address (a token bucket per address, as big as one
 * second's worth). A connection beyond it is reset at once on the accepting thread, before it has a pipeline, an
 * event loop, a timer or TLS state: a connection flood then costs the server an accept and a close per connection,
 * not a handshake. A connection from an address in its {@link StalledWriteBackoff} is reset the same way. Sits in
 * the listening channel's pipeline, before Netty's acceptor; runs on its one event loop.
 */
@ChannelHandler.Sharable
final class AcceptLimiter extends ChannelInboundHandlerAdapter {
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SWEEP_SIZE = 16_384;

    private final int perSecond;
    /** The listening channel's event loop only. */
    private final Map<InetAddress, TokenBucket> buckets = new HashMap<>();

    private final LongAdder reset = new LongAdder();
    private final Consumer<Channel> onReset;
    private final StalledWriteBackoff backoff;
    private final Consumer<Channel> onBackoff;
    private long sweptAt;

    /**
     * @param now the clock's time now (tests give their own)
     * @param onReset told of each connection reset, before it is
     */
    AcceptLimiter(int perSecond, long now, Consumer<Channel> onReset) {
        this(perSecond, now, onReset, new StalledWriteBackoff(0), child -> {});
    }

    /**
     * @param backoff addresses whose connections are reset for a while after a stalled write
     * @param onBackoff told of each connection reset for its address's back-off, before it is
     */
    AcceptLimiter(
            int perSecond,
            long now,
            Consumer<Channel> onReset,
            StalledWriteBackoff backoff,
            Consumer<Channel> onBackoff) {
        this.perSecond = perSecond;
        this.sweptAt = now;
        this.onReset = onReset;
        this.backoff = backoff;
        this.onBackoff = onBackoff;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel child) {
            long now = System.nanoTime();
            InetAddress host = TaskServer.host(child);
            if (backoff.remaining(host, now) > 0) {
                reset(child, onBackoff);
                return;
            }
            if (!admit(host, now)) {
                reset(child, onReset);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void reset(Channel child, Consumer<Channel> listener) {
        reset.increment();
        listener.accept(child);
        try {
            child.config().setOption(ChannelOption.SO_LINGER, 0); // RST: no FIN handshake, no TIME_WAIT here
        } catch (RuntimeException e) {
            // closed already: nothing to reset
        }
        child.unsafe().closeForcibly();
    }

    boolean admit(InetAddress host, long now) {
        if (now - sweptAt > SWEEP_INTERVAL_NANOS || buckets.size() >= SWEEP_SIZE) {
            sweptAt = now;
            buckets.values().removeIf(b -> b.isFull(now)); // a full bucket is the same as none
        }
        return buckets.computeIfAbsent(host, h -> new TokenBucket(perSecond, perSecond, now))
                .tryTake(now);
    }

    /** Connections reset because their address was over its rate or backing off (tests, metrics). */
    long reset() {
        return reset.sum();
    }

    /** Addresses with a bucket (tests: bounded). */
    int addresses() {
        return buckets.size();
    }
}
