package dev.persistentconnection.spring.codec;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code byte[]} and {@code String} as they are, every other type as JSON with Boot's {@link JsonMapper}. The
 * reader of each payload type and the writer of each value class are made once and kept (a handler method's types,
 * a call's response type), so a call does not look its (de)serializer up again.
 */
public class JsonTaskPayloadCodec extends TaskPayloadCodec.BytesAndStrings {

    private final JsonMapper mapper;

    private final Map<Type, ObjectReader> readers = new ConcurrentHashMap<>();

    private final Map<Class<?>, ObjectWriter> writers = new ConcurrentHashMap<>();

    public JsonTaskPayloadCodec(JsonMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public boolean canConvert(Type type) {
        return true;
    }

    @Override
    public byte[] encode(Object value) {
        if (value instanceof byte[] || value instanceof String) {
            return super.encode(value);
        }
        return writers.computeIfAbsent(value.getClass(), mapper::writerFor).writeValueAsBytes(value);
    }

    @Override
    public Object decode(byte[] payload, Type type) {
        if (super.canConvert(type)) {
            return super.decode(payload, type);
        }
        try {
            return readers.computeIfAbsent(type, t -> mapper.readerFor(mapper.constructType(t)))
                    .readValue(payload);
        } catch (JacksonException ex) {
            throw new IllegalArgumentException(
                    "payload is not a valid " + type.getTypeName() + ": " + ex.getOriginalMessage(), ex);
        }
    }
}
