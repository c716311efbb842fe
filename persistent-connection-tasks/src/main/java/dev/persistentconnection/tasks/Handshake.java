package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The handshake (PROTOCOL.md, "Handshake"): its constants, its writers and one parser for both directions, which
 * the client's and the server's handshake handlers share. The handshake itself is always big-endian, since the byte
 * order is what it negotiates.
 */
final class Handshake {
    /** "PCTP": persistent-connection task protocol. */
    static final int MAGIC = 0x50435450;
    /** The highest version this implementation speaks (PROTOCOL.md, "Version 2"). */
    static final int VERSION = 2;
    /** The lowest version there is. */
    static final int MIN_VERSION = 1;

    static final byte BIG_ENDIAN = 'B';
    static final byte LITTLE_ENDIAN = 'L';
    /** Bytes of the client's hello. */
    static final int HELLO_SIZE = 4 + 1 + 1 + 4;
    /** Bytes of an accepting reply. */
    static final int ACCEPT_SIZE = 4 + 1 + 1 + 4 + 4;
    /** The smallest frame size either side may announce. */
    static final int MIN_FRAME_SIZE = 256;
    /** The longest refusal reason, in bytes. */
    static final int MAX_REASON = 1024;

    static final int ACCEPTED = 0;
    static final int BAD_MAGIC = 1;
    static final int UNSUPPORTED_VERSION = 2;
    static final int BAD_BYTE_ORDER = 3;
    static final int SERVER_FULL = 4;
    static final int BAD_FRAME_SIZE = 5;

    private Handshake() {}

    /** What the parser made of the bytes received so far. */
    sealed interface Message {}

    /** The client's hello. */
    record Hello(int version, byte byteOrder, long maxFrameSize) implements Message {}

    /** The server's accept. */
    record Accept(int version, long maxFrameSize, long maxTasksInFlight) implements Message {}

    /** The server's refusal, with its reason. */
    record Refusal(int status, String reason) implements Message {}

    /** Bytes that cannot be a handshake: the peer does not speak this protocol. */
    record Malformed(String problem) implements Message {}

    /**
     * Parses the client's hello. Returns null while more bytes are needed and consumes nothing then; otherwise
     * consumes the hello (a malformed one: everything) and returns it.
     */
    static Message readHello(ByteBuf in) {
        Message bad = checkMagic(in);
        if (bad != null || in.readableBytes() < HELLO_SIZE) {
            return bad;
        }
        in.skipBytes(4);
        int version = in.readUnsignedByte();
        byte order = in.readByte();
        return new Hello(version, order, in.readUnsignedInt());
    }

    /** Parses the server's reply, accept or refusal; null while more bytes are needed, as {@link #readHello}. */
    static Message readReply(ByteBuf in) {
        Message bad = checkMagic(in);
        if (bad != null || in.readableBytes() < 5) {
            return bad;
        }
        int start = in.readerIndex();
        int status = in.getUnsignedByte(start + 4);
        if (status == ACCEPTED) {
            if (in.readableBytes() < ACCEPT_SIZE) {
                return null;
            }
            in.skipBytes(5);
            int version = in.readUnsignedByte();
            long maxFrame = in.readUnsignedInt();
            return new Accept(version, maxFrame, in.readUnsignedInt());
        }
        if (in.readableBytes() < 7) {
            return null;
        }
        int length = in.getUnsignedShort(start + 5);
        if (length > MAX_REASON) {
            in.skipBytes(in.readableBytes());
            return new Malformed("refusal reason too long");
        }
        if (in.readableBytes() < 7 + length) {
            return null;
        }
        String reason = in.toString(start + 7, length, StandardCharsets.UTF_8);
        in.skipBytes(7 + length);
        return new Refusal(status, reason);
    }

    /** The first four bytes must be the magic; checked as soon as they are there. */
    private static Message checkMagic(ByteBuf in) {
        if (in.readableBytes() >= 4 && in.getInt(in.readerIndex()) != MAGIC) {
            in.skipBytes(in.readableBytes());
            return new Malformed("bad magic");
        }
        return null;
    }

    static void writeHello(ByteBuf out, int version, boolean littleEndian, int maxFrameSize) {
        out.writeInt(MAGIC);
        out.writeByte(version);
        out.writeByte(littleEndian ? LITTLE_ENDIAN : BIG_ENDIAN);
        out.writeInt(maxFrameSize);
    }

    static void writeAccept(ByteBuf out, int version, int maxFrameSize, int maxTasksInFlight) {
        out.writeInt(MAGIC);
        out.writeByte(ACCEPTED);
        out.writeByte(version);
        out.writeInt(maxFrameSize);
        out.writeInt(maxTasksInFlight);
    }

    static void writeRefusal(ByteBuf out, int status, String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, MAX_REASON);
        out.writeInt(MAGIC);
        out.writeByte(status);
        out.writeShort(length);
        out.writeBytes(bytes, 0, length);
    }

    /** Whether a refusal status means retrying cannot help. */
    static boolean isFatal(int status) {
        return status != SERVER_FULL;
    }

    static String statusName(int status) {
        return switch (status) {
            case ACCEPTED -> "accepted";
            case BAD_MAGIC -> "bad magic";
            case UNSUPPORTED_VERSION -> "unsupported version";
            case BAD_BYTE_ORDER -> "bad byte order";
            case SERVER_FULL -> "server full";
            case BAD_FRAME_SIZE -> "bad frame size";
            default -> "refusal " + status;
        };
    }
}
