package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Splits the byte stream into {@link Frame}s. The length prefix is checked against the limit before anything is
 * buffered for it, so a claimed oversized length costs nothing but the close. A frame that has started must be
 * complete within the read timeout. Decoding can be paused (backpressure) and resumed; bytes already received then
 * wait in the cumulation buffer, whose size is bounded by one read plus one frame.
 *
 * <p>Fair to the other connections of the event loop: after {@value #FRAMES_PER_TURN} frames from one read, the
 * decoder stops reading from its connection and finishes the read in a task scheduled for the loop's next turn,
 * after the other connections' reads. So a peer sending thousands of tiny frames per read (CANCEL or PING storms)
 * gets a turn the size of anyone else's, not a turn the size of its read.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private final boolean littleEndian;
    private final int maxFrameSize;
    private final boolean serverSide;
    /** Version 2 (TASK_META frames); set once the handshake has negotiated the version. */
    private final boolean metadata;

    private final long readTimeoutNanos;
    /** Frames decoded from one read before the decoder yields to the other connections of its loop. */
    static final int FRAMES_PER_TURN = 64;

    private boolean paused;
    private boolean failed;
    private int framesThisTurn;
    private boolean yielded;
    private ScheduledFuture<?> readTimer;
    /** A frame has started but not arrived whole; since when, and how many frames had been decoded then. */
    private boolean partial;

    private long partialSince;
    private long framesAtPartial;
    private long framesDecoded;
    private ChannelHandlerContext ctx;

    /**
     * @param maxFrameSize the largest accepted value of the length prefix
     * @param serverSide true to accept client-to-server kinds, false for server-to-client kinds
     * @param readTimeout bound on the time a started frame may take to arrive; zero for none
     */
    FrameDecoder(boolean littleEndian, int maxFrameSize, boolean serverSide, Duration readTimeout) {
        this(littleEndian, maxFrameSize, serverSide, readTimeout, 1);
    }

    /** @param version the negotiated protocol version: 2 accepts TASK_META frames (server side) */
    FrameDecoder(boolean littleEndian, int maxFrameSize, boolean serverSide, Duration readTimeout, int version) {
        this.metadata = version >= 2;
        this.littleEndian = littleEndian;
        this.maxFrameSize = maxFrameSize;
        this.serverSide = serverSide;
        this.readTimeoutNanos = readTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (paused || yielded || in.readableBytes() < Frame.LENGTH_FIELD) {
            return;
        }
        if (framesThisTurn >= FRAMES_PER_TURN) {
            yieldTurn(ctx);
            return;
        }
        int start = in.readerIndex();
        long length = Integer.toUnsignedLong(littleEndian ? in.getIntLE(start) : in.getInt(start));
        if (length < 1 || length > maxFrameSize) {
            fail(
                    in,
                    length < 1
                            ? TaskServerListener.Rejection.PROTOCOL_ERROR
                            : TaskServerListener.Rejection.FRAME_TOO_LARGE,
                    "frame length " + length + " outside 1.." + maxFrameSize);
        }
        if (in.readableBytes() < Frame.LENGTH_FIELD + length) {
            return;
        }
        in.skipBytes(Frame.LENGTH_FIELD);
        ByteBuf body = in.readSlice((int) length);
        out.add(parse(in, body));
        framesThisTurn++;
        framesDecoded++;
    }

    /**
     * Stops reading and decodes the rest on the loop's next turn (a scheduled task runs after the next I/O pass; a
     * plain task could run in this one).
     */
    private void yieldTurn(ChannelHandlerContext ctx) {
        yielded = true;
        ReadGate.pause(ctx.channel(), ReadGate.TURN);
        ctx.executor()
                .schedule(
                        () -> {
                            yielded = false;
                            framesThisTurn = 0;
                            if (ctx.isRemoved()) {
                                return;
                            }
                            ReadGate.resume(ctx.channel(), ReadGate.TURN); // reads if nobody else holds it paused
                            if (!paused && actualReadableBytes() > 0) {
                                try {
                                    channelRead(ctx, Unpooled.EMPTY_BUFFER);
                                    channelReadComplete(ctx);
                                } catch (Exception e) {
                                    ctx.fireExceptionCaught(e);
                                }
                            }
                        },
                        0,
                        TimeUnit.NANOSECONDS);
    }

    private Frame parse(ByteBuf in, ByteBuf body) {
        byte kind = body.readByte();
        int rest = body.readableBytes();
        switch (kind) {
            case Frame.GOODBYE, Frame.PING, Frame.PONG -> {
                if (rest != 0) {
                    fail(in, "frame kind " + kind + " must have no body, has " + rest + " bytes");
                }
                return kind == Frame.GOODBYE
                        ? new Frame.Goodbye()
                        : kind == Frame.PING ? new Frame.Ping() : new Frame.Pong();
            }
            default -> {}
        }
        if (serverSide) {
            if (kind == Frame.TASK) {
                if (rest < 6) {
                    fail(in, "TASK frame too short: " + rest + " body bytes");
                }
                int id = readInt(body);
                int code = littleEndian ? body.readUnsignedShortLE() : body.readUnsignedShort();
                byte[] payload = new byte[body.readableBytes()];
                body.readBytes(payload);
                return new Frame.Task(id, code, payload);
            }
            if (kind == Frame.TASK_META && metadata) {
                if (rest < 8) {
                    fail(in, "TASK_META frame too short: " + rest + " body bytes");
                }
                int id = readInt(body);
                int code = littleEndian ? body.readUnsignedShortLE() : body.readUnsignedShort();
                int size = littleEndian ? body.readUnsignedShortLE() : body.readUnsignedShort();
                if (size > TaskMetadata.MAX_SIZE) {
                    fail(in, "task metadata of " + size + " bytes exceeds the limit of " + TaskMetadata.MAX_SIZE);
                }
                if (size > body.readableBytes()) {
                    fail(in, "task metadata of " + size + " bytes overruns the frame");
                }
                java.util.Map<String, String> entries;
                try {
                    entries = TaskMetadata.read(body, size, littleEndian);
                } catch (ProtocolException e) {
                    fail(in, e.getMessage());
                    throw e;
                }
                byte[] payload = new byte[body.readableBytes()];
                body.readBytes(payload);
                return new Frame.Task(id, code, payload, entries);
            }
            if (kind == Frame.CANCEL) {
                if (rest != 4) {
                    fail(in, "CANCEL frame must have a 4-byte body, has " + rest);
                }
                return new Frame.Cancel(readInt(body));
            }
        } else {
            if (kind == Frame.OK) {
                if (rest < 5) {
                    fail(in, "OK frame too short: " + rest + " body bytes");
                }
                int id = readInt(body);
                int flags = body.readUnsignedByte();
                if ((flags & ~Frame.FLAG_END) != 0) {
                    fail(in, "OK frame with unknown flags " + flags);
                }
                byte[] data = new byte[body.readableBytes()];
                body.readBytes(data);
                return new Frame.Ok(id, (flags & Frame.FLAG_END) != 0, data);
            }
            if (kind == Frame.ERROR) {
                if (rest < 5) {
                    fail(in, "ERROR frame too short: " + rest + " body bytes");
                }
                int id = readInt(body);
                int code = body.readUnsignedByte();
                String message = body.toString(body.readerIndex(), body.readableBytes(), StandardCharsets.UTF_8);
                return new Frame.Error(id, code, message);
            }
        }
        fail(in, "unknown frame kind 0x" + Integer.toHexString(kind & 0xFF));
        throw new AssertionError();
    }

    private int readInt(ByteBuf body) {
        return littleEndian ? body.readIntLE() : body.readInt();
    }

    private void fail(ByteBuf in, String message) {
        fail(in, TaskServerListener.Rejection.PROTOCOL_ERROR, message);
    }

    private void fail(ByteBuf in, TaskServerListener.Rejection reason, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new ProtocolException(reason, message);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!yielded) {
            framesThisTurn = 0;
        }
        super.channelRead(ctx, msg);
        watchPartialFrame();
    }

    /** Stops producing frames until {@link #resume()}; called on the event loop. */
    void pause() {
        paused = true;
        cancelReadTimer();
    }

    /** Decodes what was held back while paused; called on the event loop. */
    void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        if (ctx != null && !ctx.isRemoved() && !yielded && actualReadableBytes() > 0) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
                channelReadComplete(ctx);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    boolean isPaused() {
        return paused;
    }

    /**
     * After each read: if it left the start of a frame behind, that frame must be complete within the read
     * timeout. One timer per connection, scheduled at most once per timeout period and never cancelled on the hot
     * path: it looks at the frame in progress when it fires and re-arms itself for that frame's own deadline.
     */
    private void watchPartialFrame() {
        if (readTimeoutNanos <= 0 || ctx == null) {
            return;
        }
        if (paused || failed || actualReadableBytes() == 0) {
            partial = false;
            return;
        }
        if (!partial || framesAtPartial != framesDecoded) {
            partial = true;
            partialSince = System.nanoTime();
            framesAtPartial = framesDecoded;
        }
        if (readTimer == null) {
            scheduleReadTimer(readTimeoutNanos);
        }
    }

    private void scheduleReadTimer(long delayNanos) {
        readTimer = ctx.executor().schedule(this::readTimerFired, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void readTimerFired() {
        readTimer = null;
        if (!partial || paused || failed || ctx.isRemoved() || actualReadableBytes() == 0) {
            return;
        }
        long left = partialSince + readTimeoutNanos - System.nanoTime();
        if (left > 0) {
            scheduleReadTimer(left);
            return;
        }
        failed = true;
        ctx.fireExceptionCaught(new ProtocolException(
                TaskServerListener.Rejection.READ_TIMEOUT,
                "timeout reading a frame (" + Duration.ofNanos(readTimeoutNanos).toMillis() + " ms)"));
    }

    private void cancelReadTimer() {
        partial = false;
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelReadTimer();
    }
}
