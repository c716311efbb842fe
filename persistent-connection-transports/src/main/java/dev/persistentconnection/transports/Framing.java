package dev.persistentconnection.transports;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.DelimiterBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * How a TCP byte stream is cut into messages, and how a sent message is put on it. The largest frame is the
 * connector's max message size.
 */
public sealed interface Framing {

    /** Lines ending in {@code \n} (a {@code \r} before it is dropped too), in UTF-8. */
    static Framing line() {
        return new Line(StandardCharsets.UTF_8, "\n");
    }

    /** Lines in {@code charset} ending in {@code delimiter}; a sent message gets the delimiter appended. */
    static Framing line(Charset charset, String delimiter) {
        return new Line(charset, delimiter);
    }

    /** Frames that start with a 4-byte big-endian length of what follows; the handler sees the payload only. */
    static Framing lengthField() {
        return new LengthField(0, 4, 0, 4, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Length-prefixed frames, as Netty's {@code LengthFieldBasedFrameDecoder} reads them: the length field of
     * {@code length} bytes at {@code offset}, {@code adjustment} added to its value to get the bytes after it,
     * {@code strip} bytes removed from the front before the handler sees the frame. A sent message is written
     * with a length field in front (offset 0) or, with a non-zero offset, as given (it carries its own header).
     */
    static Framing lengthField(int offset, int length, int adjustment, int strip, ByteOrder order) {
        return new LengthField(offset, length, adjustment, strip, order);
    }

    /** No framing: every read is handed over as it arrived, and a sent message is written as it is. */
    static Framing raw() {
        return Raw.INSTANCE;
    }

    /** The decoder for the pipeline, or null for none. */
    ChannelHandler decoder(int maxFrame);

    /** {@code payload} framed for the wire; takes ownership of nothing. */
    ByteBuf encode(ByteBufAllocator alloc, String text, byte[] bytes);

    /** A received frame as a message. */
    Message message(ByteBuf frame);

    /** Line framing: see {@link Framing#line(Charset, String)}. */
    record Line(Charset charset, String delimiter) implements Framing {
        public Line {
            Objects.requireNonNull(charset, "charset");
            if (delimiter == null || delimiter.isEmpty()) {
                throw new IllegalArgumentException("the line delimiter must not be empty");
            }
        }

        @Override
        public ChannelHandler decoder(int maxFrame) {
            if (delimiter.equals("\n") || delimiter.equals("\r\n")) {
                return new LineBasedFrameDecoder(maxFrame, true, true);
            }
            return new DelimiterBasedFrameDecoder(
                    maxFrame, true, true, Unpooled.wrappedBuffer(delimiter.getBytes(charset)));
        }

        @Override
        public ByteBuf encode(ByteBufAllocator alloc, String text, byte[] bytes) {
            if (text != null) {
                ByteBuf buf = alloc.buffer(text.length() + delimiter.length() + 8);
                buf.writeCharSequence(text, charset);
                return delimit(buf);
            }
            ByteBuf buf = alloc.buffer(bytes.length + delimiter.length());
            buf.writeBytes(bytes);
            return delimit(buf);
        }

        private ByteBuf delimit(ByteBuf buf) {
            if (delimiter.length() == 1
                    && delimiter.charAt(0) < 0x80
                    && (charset.equals(StandardCharsets.UTF_8)
                            || charset.equals(StandardCharsets.US_ASCII)
                            || charset.equals(StandardCharsets.ISO_8859_1))) {
                return buf.writeByte(delimiter.charAt(0)); // "\n", "|": one byte, no encoder
            }
            buf.writeCharSequence(delimiter, charset);
            return buf;
        }

        @Override
        public Message message(ByteBuf frame) {
            return Message.text(frame.toString(charset), charset);
        }
    }

    /** Length-field framing: see {@link Framing#lengthField(int, int, int, int, ByteOrder)}. */
    record LengthField(int offset, int length, int adjustment, int strip, ByteOrder order) implements Framing {
        public LengthField {
            if (offset < 0) {
                throw new IllegalArgumentException("the length field offset must not be negative, was " + offset);
            }
            if (length != 1 && length != 2 && length != 3 && length != 4 && length != 8) {
                throw new IllegalArgumentException("the length field is 1, 2, 3, 4 or 8 bytes long, was " + length);
            }
            if (strip < 0 || strip > offset + length) {
                throw new IllegalArgumentException("bytes to strip must be between 0 and offset + length ("
                        + (offset + length) + "), was " + strip);
            }
            Objects.requireNonNull(order, "order");
        }

        @Override
        public ChannelHandler decoder(int maxFrame) {
            return new LengthFieldBasedFrameDecoder(order, maxFrame, offset, length, adjustment, strip, true);
        }

        @Override
        public ByteBuf encode(ByteBufAllocator alloc, String text, byte[] bytes) {
            byte[] payload = bytes != null ? bytes : text.getBytes(StandardCharsets.UTF_8);
            if (offset != 0) {
                return alloc.buffer(payload.length).writeBytes(payload);
            }
            long value = payload.length - (long) adjustment;
            ByteBuf buf = alloc.buffer(length + payload.length).order(order);
            switch (length) {
                case 1 -> buf.writeByte((int) value);
                case 2 -> buf.writeShort((int) value);
                case 3 -> buf.writeMedium((int) value);
                case 4 -> buf.writeInt((int) value);
                default -> buf.writeLong(value);
            }
            return buf.writeBytes(payload);
        }

        @Override
        public Message message(ByteBuf frame) {
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            return Message.binary(bytes);
        }
    }

    /** No framing: see {@link Framing#raw()}. */
    enum Raw implements Framing {
        INSTANCE;

        @Override
        public ChannelHandler decoder(int maxFrame) {
            return null;
        }

        @Override
        public ByteBuf encode(ByteBufAllocator alloc, String text, byte[] bytes) {
            if (text != null) {
                ByteBuf buf = alloc.buffer(text.length());
                buf.writeCharSequence(text, StandardCharsets.UTF_8);
                return buf;
            }
            return alloc.buffer(bytes.length).writeBytes(bytes);
        }

        @Override
        public Message message(ByteBuf frame) {
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            return Message.binary(bytes);
        }
    }
}
