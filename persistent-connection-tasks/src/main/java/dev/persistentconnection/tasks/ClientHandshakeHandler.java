package dev.persistentconnection.tasks;

import dev.persistentconnection.FatalConnectException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
        Handshake.writeHello(hello, Handshake.VERSION, littleEndian, options.maxFrameSize());
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
        int start = in.readerIndex();
        if (in.readableBytes() >= 4 && in.getInt(start) != Handshake.MAGIC) {
            fail(ctx, new FatalConnectException("handshake with " + server
                    + " failed: the peer is not a persistent-connection task server (bad magic)"));
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 5) {
            return;
        }
        int status = in.getUnsignedByte(start + 4);
        if (status == Handshake.ACCEPTED) {
            if (in.readableBytes() < Handshake.ACCEPT_SIZE) {
                return;
            }
            in.skipBytes(5);
            int version = in.readUnsignedByte();
            long maxFrame = in.readUnsignedInt();
            long maxInFlight = in.readUnsignedInt();
            if (version != Handshake.VERSION || maxFrame < Handshake.MIN_FRAME_SIZE || maxInFlight < 1) {
                fail(ctx, new FatalConnectException("handshake with " + server + " failed: bad accept (version "
                        + version + ", frame size " + maxFrame + ", tasks in flight " + maxInFlight + ")"));
                return;
            }
            accepted(ctx, (int) Math.min(maxFrame, Integer.MAX_VALUE), (int) Math.min(maxInFlight, 1 << 20));
            return;
        }
        if (in.readableBytes() < 7) {
            return;
        }
        int length = in.getUnsignedShort(start + 5);
        if (length > Handshake.MAX_REASON) {
            fail(ctx, new FatalConnectException("handshake with " + server + " failed: refusal reason too long"));
            return;
        }
        if (in.readableBytes() < 7 + length) {
            return;
        }
        String reason = in.toString(start + 7, length, StandardCharsets.UTF_8);
        in.skipBytes(7 + length);
        String message = server + " refused the handshake (" + Handshake.statusName(status) + "): " + reason;
        fail(ctx, Handshake.isFatal(status) ? new FatalConnectException(message) : new IOException(message));
    }

    private void accepted(ChannelHandlerContext ctx, int serverMaxFrame, int serverMaxInFlight) {
        TaskClient client = new TaskClient(ctx.channel(), options, serverMaxFrame, serverMaxInFlight);
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(ctx.name(), "client", client.new FrameHandler());
        p.addAfter(ctx.name(), "encoder", FrameEncoder.of(littleEndian));
        p.addAfter(ctx.name(), "heartbeat", new HeartbeatHandler(options.heartbeatTimeout(), () -> false,
                client::closeWith));
        p.addBefore(ctx.name(), "flush", new FlushConsolidationHandler(256, false));
        p.addBefore(ctx.name(), "idle", new IdleTimer(options.heartbeatTimeout().toNanos(),
                options.heartbeatInterval().toNanos()));
        p.replace(this, "frames", new FrameDecoder(littleEndian, options.maxFrameSize(), false,
                options.heartbeatTimeout()));
        if (!result.complete(client)) {
            client.closeWith("connect abandoned");
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable error) {
        result.completeExceptionally(error);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        result.completeExceptionally(new IOException("connection to " + ctx.channel().remoteAddress()
                + " closed during the handshake"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, new IOException("handshake with " + ctx.channel().remoteAddress() + " failed: " + cause, cause));
    }
}
