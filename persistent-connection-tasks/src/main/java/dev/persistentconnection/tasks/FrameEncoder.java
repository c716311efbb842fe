package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.nio.charset.StandardCharsets;

/** Writes {@link Frame}s with their length prefix, in the negotiated byte order. */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToByteEncoder<Frame> {
    static final FrameEncoder BIG_ENDIAN = new FrameEncoder(false);
    static final FrameEncoder LITTLE_ENDIAN = new FrameEncoder(true);

    private final boolean littleEndian;

    private FrameEncoder(boolean littleEndian) {
        super(Frame.class);
        this.littleEndian = littleEndian;
    }

    static FrameEncoder of(boolean littleEndian) {
        return littleEndian ? LITTLE_ENDIAN : BIG_ENDIAN;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Frame frame, boolean preferDirect) {
        int size = Frame.LENGTH_FIELD + 16;
        if (frame instanceof Frame.Task t) {
            size += t.payload().length + (t.metadata().isEmpty() ? 0 : 2 + TaskMetadata.MAX_SIZE);
        } else if (frame instanceof Frame.Ok ok) {
            size += ok.length();
        } else if (frame instanceof Frame.Error e) {
            size += e.message().length() * 3;
        }
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
        int lengthAt = out.writerIndex();
        writeInt(out, 0);
        if (frame instanceof Frame.Task t) {
            boolean meta = !t.metadata().isEmpty();
            out.writeByte(meta ? Frame.TASK_META : Frame.TASK);
            writeInt(out, t.taskId());
            writeShort(out, t.code());
            if (meta) {
                int sizeAt = out.writerIndex();
                writeShort(out, 0);
                TaskMetadata.write(out, t.metadata(), littleEndian);
                int size = out.writerIndex() - sizeAt - 2;
                if (littleEndian) {
                    out.setShortLE(sizeAt, size);
                } else {
                    out.setShort(sizeAt, size);
                }
            }
            out.writeBytes(t.payload());
        } else if (frame instanceof Frame.Cancel c) {
            out.writeByte(Frame.CANCEL);
            writeInt(out, c.taskId());
        } else if (frame instanceof Frame.Goodbye) {
            out.writeByte(Frame.GOODBYE);
        } else if (frame instanceof Frame.Ping) {
            out.writeByte(Frame.PING);
        } else if (frame instanceof Frame.Pong) {
            out.writeByte(Frame.PONG);
        } else if (frame instanceof Frame.Ok ok) {
            out.writeByte(Frame.OK);
            writeInt(out, ok.taskId());
            out.writeByte(ok.end() ? Frame.FLAG_END : 0);
            out.writeBytes(ok.data(), ok.offset(), ok.length());
        } else if (frame instanceof Frame.Error e) {
            out.writeByte(Frame.ERROR);
            writeInt(out, e.taskId());
            out.writeByte(e.errorCode());
            out.writeCharSequence(e.message(), StandardCharsets.UTF_8);
        }
        int length = out.writerIndex() - lengthAt - Frame.LENGTH_FIELD;
        if (littleEndian) {
            out.setIntLE(lengthAt, length);
        } else {
            out.setInt(lengthAt, length);
        }
    }

    private void writeShort(ByteBuf out, int value) {
        if (littleEndian) {
            out.writeShortLE(value);
        } else {
            out.writeShort(value);
        }
    }

    private void writeInt(ByteBuf out, int value) {
        if (littleEndian) {
            out.writeIntLE(value);
        } else {
            out.writeInt(value);
        }
    }
}
