package dev.persistentconnection.spring.autoconfigure.server;

import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskServerHealthIndicator;
import dev.persistentconnection.tasks.TaskServer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Health contributor {@code taskServer}. Switch it off with {@code management.health.task-server.enabled=false}.
 */
@AutoConfiguration(after = TaskServerAutoConfiguration.class)
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class, TaskServer.class})
@ConditionalOnBean(ManagedTaskServer.class)
@ConditionalOnEnabledHealthIndicator("task-server")
public class TaskServerHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "taskServerHealthContributor")
    TaskServerHealthIndicator taskServerHealthContributor(ManagedTaskServer taskServer) {
        return new TaskServerHealthIndicator(taskServer);
    }
}
