package dev.persistentconnection.tasks;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metadata of a TASK_META frame (PROTOCOL.md, "Version 2"): key/value pairs, each a u8 key length, the UTF-8 key,
 * a u16 value length and the UTF-8 value, {@value #MAX_SIZE} bytes at most in all.
 */
final class TaskMetadata {
    /** The largest metadata section of one task, in bytes. */
    static final int MAX_SIZE = 4096;

    private TaskMetadata() {}

    /** The encoded size of {@code metadata}, checking what the wire cannot carry. */
    static int size(Map<String, String> metadata) {
        int size = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            int key = e.getKey().getBytes(StandardCharsets.UTF_8).length;
            int value = e.getValue().getBytes(StandardCharsets.UTF_8).length;
            if (key < 1 || key > 255) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' must be 1 to 255 bytes");
            }
            if (value > 0xFFFF) {
                throw new IllegalArgumentException("metadata value of '" + e.getKey() + "' exceeds 65535 bytes");
            }
            size += 1 + key + 2 + value;
        }
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException("task metadata of " + size + " bytes exceeds the limit of " + MAX_SIZE);
        }
        return size;
    }

    static void write(ByteBuf out, Map<String, String> metadata, boolean littleEndian) {
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] value = e.getValue().getBytes(StandardCharsets.UTF_8);
            out.writeByte(key.length);
            out.writeBytes(key);
            if (littleEndian) {
                out.writeShortLE(value.length);
            } else {
                out.writeShort(value.length);
            }
            out.writeBytes(value);
        }
    }

    /**
     * Reads {@code size} bytes of metadata.
     *
     * @throws ProtocolException if the entries do not fill exactly {@code size} bytes, a key is empty or repeated
     */
    static Map<String, String> read(ByteBuf in, int size, boolean littleEndian) {
        Map<String, String> metadata = new LinkedHashMap<>();
        int end = in.readerIndex() + size;
        while (in.readerIndex() < end) {
            if (end - in.readerIndex() < 1 + 1 + 2) {
                throw new ProtocolException("truncated task metadata entry");
            }
            int keyLength = in.readUnsignedByte();
            if (keyLength == 0 || end - in.readerIndex() < keyLength + 2) {
                throw new ProtocolException("bad task metadata key length " + keyLength);
            }
            String key = in.readCharSequence(keyLength, StandardCharsets.UTF_8).toString();
            int valueLength = littleEndian ? in.readUnsignedShortLE() : in.readUnsignedShort();
            if (end - in.readerIndex() < valueLength) {
                throw new ProtocolException("task metadata value of '" + key + "' overruns the metadata");
            }
            String value =
                    in.readCharSequence(valueLength, StandardCharsets.UTF_8).toString();
            if (metadata.put(key, value) != null) {
                throw new ProtocolException("task metadata key '" + key + "' repeated");
            }
        }
        return Collections.unmodifiableMap(metadata);
    }
}
