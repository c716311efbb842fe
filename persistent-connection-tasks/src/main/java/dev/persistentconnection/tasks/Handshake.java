package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Constants and helpers of the handshake (PROTOCOL.md, "Handshake"). The handshake itself is always big-endian,
 * since the byte order is what it negotiates.
 */
final class Handshake {
    /** "PCTP": persistent-connection task protocol. */
    static final int MAGIC = 0x50435450;
    static final int VERSION = 1;
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

    private Handshake() {
    }

    static void writeHello(ByteBuf out, int version, boolean littleEndian, int maxFrameSize) {
        out.writeInt(MAGIC);
        out.writeByte(version);
        out.writeByte(littleEndian ? LITTLE_ENDIAN : BIG_ENDIAN);
        out.writeInt(maxFrameSize);
    }

    static void writeAccept(ByteBuf out, int maxFrameSize, int maxTasksInFlight) {
        out.writeInt(MAGIC);
        out.writeByte(ACCEPTED);
        out.writeByte(VERSION);
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
