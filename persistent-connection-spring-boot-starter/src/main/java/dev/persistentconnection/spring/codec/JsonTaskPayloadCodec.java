package dev.persistentconnection.spring.codec;

import java.lang.reflect.Type;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** {@code byte[]} and {@code String} as they are, every other type as JSON with Boot's {@link JsonMapper}. */
public class JsonTaskPayloadCodec extends TaskPayloadCodec.BytesAndStrings {

    private final JsonMapper mapper;

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
        return mapper.writeValueAsBytes(value);
    }

    @Override
    public Object decode(byte[] payload, Type type) {
        if (super.canConvert(type)) {
            return super.decode(payload, type);
        }
        try {
            return mapper.readValue(payload, mapper.constructType(type));
        } catch (JacksonException ex) {
            throw new IllegalArgumentException(
                    "payload is not a valid " + type.getTypeName() + ": " + ex.getOriginalMessage(), ex);
        }
    }
}
