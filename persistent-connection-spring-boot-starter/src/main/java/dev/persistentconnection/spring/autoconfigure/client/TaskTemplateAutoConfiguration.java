package dev.persistentconnection.spring.autoconfigure.client;

import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.codec.TaskPayloadCodecAutoConfiguration;
import dev.persistentconnection.spring.client.TaskDeadlineTimer;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.tasks.TaskClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Typed calls: a {@link TaskTemplate} per connection ({@code <name>TaskTemplate}) when persistent-connection-tasks
 * is on the classpath.
 */
@AutoConfiguration(
        after = {PersistentConnectionAutoConfiguration.class, TaskPayloadCodecAutoConfiguration.class},
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({TaskClient.class, PersistentConnections.class})
@ConditionalOnBooleanProperty(name = "persistent-connection.enabled", matchIfMissing = true)
@Import(TaskTemplateBeanRegistrar.class)
public class TaskTemplateAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TaskDeadlineTimer taskDeadlineTimer() {
        return new TaskDeadlineTimer();
    }
}
