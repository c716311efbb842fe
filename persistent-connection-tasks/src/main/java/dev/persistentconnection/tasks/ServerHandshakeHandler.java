package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads the client's hello, answers accept or a refusal with a reason, and on accept replaces itself with the
 * frame pipeline. Bytes the client sent after its hello are passed on to the frame decoder. A client that does not
 * complete its hello within the read timeout is closed.
 */
final class ServerHandshakeHandler extends ByteToMessageDecoder {
    private static final System.Logger LOG = System.getLogger(ServerHandshakeHandler.class.getName());

    private final TaskServer server;
    /** Why this connection is refused at once (server full), or null; and in words. */
    private final TaskServerListener.Rejection refusalReason;

    private final String refusal;

    private ScheduledFuture<?> timer;
    private boolean done;

    ServerHandshakeHandler(TaskServer server, TaskServerListener.Rejection refusalReason, String refusal) {
        this.server = server;
        this.refusalReason = refusalReason;
        this.refusal = refusal;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (refusal != null) {
            refuse(ctx, Handshake.SERVER_FULL, refusalReason, refusal);
        } else {
            long nanos = server.settings().readTimeout().toNanos();
            timer = ctx.executor()
                    .schedule(
                            () -> {
                                if (!done) {
                                    done = true;
                                    LOG.log(
                                            System.Logger.Level.DEBUG,
                                            "{0}: no handshake within the read timeout",
                                            ctx.channel().remoteAddress());
                                    server.rejected(
                                            TaskServerListener.Rejection.HANDSHAKE_TIMEOUT,
                                            ctx.channel(),
                                            "no handshake within the read timeout");
                                    ctx.close();
                                }
                            },
                            nanos,
                            TimeUnit.NANOSECONDS);
        }
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            in.skipBytes(in.readableBytes());
            return;
        }
        Handshake.Message message = Handshake.readHello(in);
        if (message == null) {
            return;
        }
        if (!(message instanceof Handshake.Hello hello)) {
            refuse(
                    ctx,
                    Handshake.BAD_MAGIC,
                    TaskServerListener.Rejection.HANDSHAKE_REFUSED,
                    "bad magic: not a persistent-connection task protocol client");
        } else if (hello.version() < Handshake.MIN_VERSION
                || (server.settings().maxProtocolVersion() == 1 && hello.version() != 1)) {
            // A version-1 server refuses every other version, as version 1 always did; a client that asked
            // for 2 then connects again with 1.
            refuse(
                    ctx,
                    Handshake.UNSUPPORTED_VERSION,
                    TaskServerListener.Rejection.HANDSHAKE_REFUSED,
                    "unsupported protocol version " + hello.version() + "; this server speaks version "
                            + server.settings().maxProtocolVersion());
        } else if (hello.byteOrder() != Handshake.BIG_ENDIAN && hello.byteOrder() != Handshake.LITTLE_ENDIAN) {
            refuse(
                    ctx,
                    Handshake.BAD_BYTE_ORDER,
                    TaskServerListener.Rejection.HANDSHAKE_REFUSED,
                    "bad byte order 0x" + Integer.toHexString(hello.byteOrder() & 0xFF) + "; expected 'B' or 'L'");
        } else if (hello.maxFrameSize() < Handshake.MIN_FRAME_SIZE) {
            refuse(
                    ctx,
                    Handshake.BAD_FRAME_SIZE,
                    TaskServerListener.Rejection.HANDSHAKE_REFUSED,
                    "client frame size " + hello.maxFrameSize() + " below the minimum " + Handshake.MIN_FRAME_SIZE);
        } else {
            accept(
                    ctx,
                    hello.byteOrder() == Handshake.LITTLE_ENDIAN,
                    (int) Math.min(hello.maxFrameSize(), Integer.MAX_VALUE),
                    Math.min(hello.version(), server.settings().maxProtocolVersion()));
        }
    }

    private void accept(ChannelHandlerContext ctx, boolean littleEndian, int clientMaxFrame, int version) {
        done = true;
        cancelTimer();
        TaskServer.Settings s = server.settings();
        ClientSession session = new ClientSession(server, ctx.channel(), littleEndian, clientMaxFrame, version);
        FrameDecoder frames = new FrameDecoder(littleEndian, s.maxFrameSize(), true, s.readTimeout(), version);
        session.decoder(frames);
        // Listed before the client learns it is accepted: a disconnectAll or stop(grace) that starts after the
        // client's connect returned reaches it (with GOODBYE) instead of missing it.
        server.added(session);
        session.started();
        ByteBuf reply = ctx.alloc().buffer(Handshake.ACCEPT_SIZE);
        Handshake.writeAccept(reply, version, s.maxFrameSize(), s.maxTasksInFlight());
        ctx.writeAndFlush(reply, ctx.voidPromise());
        TaskPipeline.serverAccepted(ctx.pipeline(), s, session, frames);
    }

    private void refuse(ChannelHandlerContext ctx, int status, TaskServerListener.Rejection rejection, String reason) {
        done = true;
        cancelTimer();
        server.rejected(rejection, ctx.channel(), reason);
        LOG.log(
                System.Logger.Level.DEBUG,
                "{0}: handshake refused: {1}",
                ctx.channel().remoteAddress(),
                reason);
        ByteBuf reply = ctx.alloc().buffer();
        Handshake.writeRefusal(reply, status, reason);
        ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(
                System.Logger.Level.DEBUG,
                "{0}: error during handshake: {1}",
                ctx.channel().remoteAddress(),
                String.valueOf(cause));
        done = true;
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimer();
    }
}
