package dev.persistentconnection.tasks;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Hands each decoded client frame to its {@link ClientSession}; the last inbound handler of a server channel. */
final class TaskDispatcher extends ChannelInboundHandlerAdapter {
    private final ClientSession session;

    TaskDispatcher(ClientSession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Frame.Task task) {
            session.onTask(task);
        } else if (msg instanceof Frame.Cancel cancel) {
            session.onCancel(cancel.taskId());
        } else if (msg instanceof Frame.Goodbye) {
            session.onGoodbye();
        } else {
            String reason = "unexpected message " + msg.getClass().getSimpleName();
            session.server().rejected(TaskServerListener.Rejection.PROTOCOL_ERROR, ctx.channel(), reason);
            session.close(reason);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // No new tasks while the client does not take the answers of those it sent (their run functions wait).
        if (ctx.channel().isWritable()) {
            ReadGate.resume(ctx.channel(), ReadGate.UNWRITABLE);
        } else {
            ReadGate.pause(ctx.channel(), ReadGate.UNWRITABLE);
        }
        session.answers().changed();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String reason = describe(cause);
        ProtocolException violation = protocolException(cause);
        if (violation != null) {
            session.server().rejected(violation.reason(), ctx.channel(), reason);
        } else if (cause instanceof io.netty.handler.timeout.WriteTimeoutException) {
            session.server().stalledWrite(ctx.channel());
        }
        session.close(reason);
    }

    private static ProtocolException protocolException(Throwable cause) {
        if (cause instanceof ProtocolException p) {
            return p;
        }
        if (cause instanceof io.netty.handler.codec.DecoderException d && d.getCause() != null) {
            return protocolException(d.getCause());
        }
        return null;
    }

    static String describe(Throwable cause) {
        if (cause instanceof ProtocolException p) {
            return "protocol error: " + p.getMessage();
        }
        if (cause instanceof io.netty.handler.codec.DecoderException d && d.getCause() != null) {
            return describe(d.getCause());
        }
        if (cause instanceof io.netty.handler.timeout.WriteTimeoutException) {
            return "write timeout";
        }
        return String.valueOf(cause);
    }
}
