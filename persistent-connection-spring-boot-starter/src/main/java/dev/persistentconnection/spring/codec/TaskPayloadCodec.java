package dev.persistentconnection.spring.codec;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Turns task payloads into values and back, on both sides of the wire: {@code byte[]} as is, {@code String} as
 * UTF-8, and (with {@link JsonTaskPayloadCodec}) any other type as JSON through Boot's JSON mapper.
 * <p>
 * The starter defines one codec bean; define your own {@code TaskPayloadCodec} bean to replace it.
 */
public interface TaskPayloadCodec {

    /** Whether values of {@code type} can be read and written. */
    boolean canConvert(Type type);

    /** Encodes {@code value} (never {@code null}; {@code void} answers carry no payload). */
    byte[] encode(Object value);

    /**
     * Decodes {@code payload} as a {@code type}.
     * @throws IllegalArgumentException if the payload is not a valid {@code type}
     */
    Object decode(byte[] payload, Type type);

    /** The codec of {@code byte[]} and {@code String} alone (used when no JSON mapper is present). */
    static TaskPayloadCodec bytesAndStrings() {
        return BytesAndStrings.INSTANCE;
    }

    /** {@code byte[]} unchanged, {@code String} as UTF-8; nothing else. */
    class BytesAndStrings implements TaskPayloadCodec {

        static final BytesAndStrings INSTANCE = new BytesAndStrings();

        protected BytesAndStrings() {}

        @Override
        public boolean canConvert(Type type) {
            return type == byte[].class || type == String.class;
        }

        @Override
        public byte[] encode(Object value) {
            if (value instanceof byte[] bytes) {
                return bytes;
            }
            if (value instanceof String text) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException("cannot encode a "
                    + value.getClass().getName() + " without a JSON mapper (add spring-boot-starter-jackson)");
        }

        @Override
        public Object decode(byte[] payload, Type type) {
            if (type == byte[].class) {
                return payload;
            }
            if (type == String.class) {
                return new String(payload, StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException("cannot decode a " + type.getTypeName()
                    + " without a JSON mapper (add spring-boot-starter-jackson)");
        }
    }
}
