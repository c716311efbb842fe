package dev.persistentconnection.transports;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One whole message as the handler receives it: a WebSocket text or binary message (fragments already joined),
 * a TCP line (without its delimiter) or length-field frame, or a raw TCP chunk. A text message keeps its
 * {@code String}; a binary one its bytes; each converts to the other on request.
 */
public final class Message {
    private final String text;
    private final byte[] bytes;
    private final Charset charset;

    private Message(String text, byte[] bytes, Charset charset) {
        this.text = text;
        this.bytes = bytes;
        this.charset = charset;
    }

    /** A text message. */
    public static Message text(String text) {
        return new Message(Objects.requireNonNull(text, "text"), null, StandardCharsets.UTF_8);
    }

    /** A text message whose bytes, when asked for, are in {@code charset}. */
    static Message text(String text, Charset charset) {
        return new Message(Objects.requireNonNull(text, "text"), null, charset);
    }

    /** A binary message; the array is not copied, so do not change it afterwards. */
    public static Message binary(byte[] bytes) {
        return new Message(null, Objects.requireNonNull(bytes, "bytes"), StandardCharsets.UTF_8);
    }

    /** True for a WebSocket text message or a TCP line. */
    public boolean isText() {
        return text != null;
    }

    /** The text; a binary message is decoded as UTF-8 (or the line charset). */
    public String text() {
        return text != null ? text : new String(bytes, charset);
    }

    /** The bytes; a text message is encoded as UTF-8 (or the line charset). */
    public byte[] bytes() {
        return bytes != null ? bytes.clone() : text.getBytes(charset);
    }

    /** A read-only view of the bytes, without a copy for a binary message. */
    public ByteBuffer byteBuffer() {
        return (bytes != null ? ByteBuffer.wrap(bytes) : ByteBuffer.wrap(text.getBytes(charset))).asReadOnlyBuffer();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && Objects.equals(text, m.text) && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return text != null ? text.hashCode() : Arrays.hashCode(bytes);
    }

    /** Its kind and size, never its content (messages may carry secrets). */
    @Override
    public String toString() {
        return text != null
                ? "Message[text, " + text.length() + " chars]"
                : "Message[binary, " + bytes.length + " bytes]";
    }
}
