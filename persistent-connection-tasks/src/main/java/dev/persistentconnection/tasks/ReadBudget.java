package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Charges the bytes a connection reads to its remote address's read budget (a {@link TokenBucket} of bytes shared
 * by every connection of that address); once the address is over it, the connection stops reading until the budget
 * has paid back the debt. So an address gets its rate however many connections it opens, and a host sending
 * maximum-size frames back to back cannot take the event loops from the others. The first handler of a server
 * pipeline (raw bytes, before TLS), only when a rate is set.
 */
final class ReadBudget extends ChannelInboundHandlerAdapter {
    private final TokenBucket budget;
    private final Runnable onPause;
    private boolean waiting;

    /** @param onPause told each time the connection stops reading for its address's budget */
    ReadBudget(TokenBucket budget, Runnable onPause) {
        this.budget = budget;
        this.onPause = onPause;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            long wait = budget.take(bytes.readableBytes(), System.nanoTime());
            if (wait > 0 && !waiting) {
                waiting = true;
                ReadGate.pause(ctx.channel(), ReadGate.READ_BUDGET);
                onPause.run();
                ctx.executor().schedule(() -> resume(ctx), wait, TimeUnit.NANOSECONDS);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void resume(ChannelHandlerContext ctx) {
        waiting = false;
        ReadGate.resume(ctx.channel(), ReadGate.READ_BUDGET);
    }
}
