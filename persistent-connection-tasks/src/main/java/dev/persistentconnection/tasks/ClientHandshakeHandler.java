package dev.persistentconnection.tasks;

import dev.persistentconnection.FatalConnectException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends the hello, reads the server's answer, and on accept installs the frame pipeline and completes the connect
 * future with the {@link TaskClient}. A refusal for a reason retrying cannot fix (bad magic, unsupported version)
 * fails with {@link FatalConnectException}; any other failure is a retryable {@link IOException}.
 */
final class ClientHandshakeHandler extends ByteToMessageDecoder {
    private final TaskClientOptions options;
    private final CompletableFuture<TaskClient> result;
    private final boolean littleEndian;

    ClientHandshakeHandler(TaskClientOptions options, CompletableFuture<TaskClient> result) {
        this.options = options;
        this.result = result;
        this.littleEndian = options.byteOrder() == ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ByteBuf hello = ctx.alloc().buffer(Handshake.HELLO_SIZE);
        Handshake.writeHello(hello, options.protocolVersion(), littleEndian, options.maxFrameSize());
        ctx.writeAndFlush(hello, ctx.voidPromise());
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (result.isDone()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        SocketAddress server = ctx.channel().remoteAddress();
        Handshake.Message reply = Handshake.readReply(in);
        if (reply == null) {
            return;
        }
        if (reply instanceof Handshake.Malformed bad) {
            fail(
                    ctx,
                    new FatalConnectException("handshake with " + server
                            + " failed: the peer is not a persistent-connection task server (" + bad.problem() + ")"));
        } else if (reply instanceof Handshake.Refusal refusal) {
            String message = server + " refused the handshake (" + Handshake.statusName(refusal.status()) + "): "
                    + refusal.reason();
            if (refusal.status() == Handshake.UNSUPPORTED_VERSION
                    && options.protocolVersion() > Handshake.MIN_VERSION) {
                fail(ctx, new VersionRefusedException(message)); // the connector tries again with version 1
            } else {
                fail(
                        ctx,
                        Handshake.isFatal(refusal.status())
                                ? new FatalConnectException(message)
                                : new IOException(message));
            }
        } else if (reply instanceof Handshake.Accept accept) {
            if (accept.version() < Handshake.MIN_VERSION
                    || accept.version() > options.protocolVersion()
                    || accept.maxFrameSize() < Handshake.MIN_FRAME_SIZE
                    || accept.maxTasksInFlight() < 1) {
                fail(
                        ctx,
                        new FatalConnectException("handshake with " + server + " failed: bad accept (version "
                                + accept.version() + ", frame size " + accept.maxFrameSize() + ", tasks in flight "
                                + accept.maxTasksInFlight() + ")"));
                return;
            }
            accepted(
                    ctx,
                    (int) Math.min(accept.maxFrameSize(), Integer.MAX_VALUE),
                    (int) Math.min(accept.maxTasksInFlight(), 1 << 20),
                    accept.version());
        } else {
            fail(ctx, new FatalConnectException("handshake with " + server + " failed: unexpected " + reply));
        }
    }

    private void accepted(ChannelHandlerContext ctx, int serverMaxFrame, int serverMaxInFlight, int version) {
        TaskClientHandler client =
                new TaskClientHandler(ctx.channel(), options, serverMaxFrame, serverMaxInFlight, version);
        TaskPipeline.clientAccepted(ctx.pipeline(), options, littleEndian, client);
        if (!result.complete(client.client())) {
            client.close("connect abandoned");
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable error) {
        result.completeExceptionally(error);
        ctx.close();
    }

    /** A version-1 server refused the client's version 2: worth one more connection, with version 1. */
    static final class VersionRefusedException extends FatalConnectException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        VersionRefusedException(String message) {
            super(message);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        result.completeExceptionally(
                new IOException("connection to " + ctx.channel().remoteAddress() + " closed during the handshake"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, new IOException("handshake with " + ctx.channel().remoteAddress() + " failed: " + cause, cause));
    }
}
