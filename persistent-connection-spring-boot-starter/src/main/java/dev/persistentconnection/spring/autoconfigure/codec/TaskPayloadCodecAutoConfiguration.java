package dev.persistentconnection.spring.autoconfigure.codec;

import dev.persistentconnection.spring.codec.JsonTaskPayloadCodec;
import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.tasks.TaskClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@link TaskPayloadCodec} of typed calls and handler methods: JSON through Boot's {@link JsonMapper} when
 * there is one, else {@code byte[]} and {@code String} only.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass(TaskClient.class)
public class TaskPayloadCodecAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JsonMapper.class)
    static class JsonCodecConfiguration {

        @Bean
        @ConditionalOnMissingBean(TaskPayloadCodec.class)
        @ConditionalOnBean(JsonMapper.class)
        JsonTaskPayloadCodec taskPayloadCodec(JsonMapper jsonMapper) {
            return new JsonTaskPayloadCodec(jsonMapper);
        }
    }

    @Bean
    @ConditionalOnMissingBean(TaskPayloadCodec.class)
    TaskPayloadCodec taskPayloadCodec() {
        return TaskPayloadCodec.bytesAndStrings();
    }
}
