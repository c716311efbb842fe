package dev.persistentconnection.spring.autoconfigure.server;

import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskServerMeters;
import dev.persistentconnection.spring.server.TaskServerMetrics;
import dev.persistentconnection.tasks.TaskServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Micrometer meters of the task server, when Micrometer and a {@link MeterRegistry} are present. */
@AutoConfiguration(
        after = TaskServerAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass({MeterRegistry.class, TaskServer.class})
@ConditionalOnBean({MeterRegistry.class, ManagedTaskServer.class})
public class TaskServerMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TaskServerMetrics taskServerMetrics(ManagedTaskServer taskServer, TaskServerMeters meters) {
        return new TaskServerMetrics(taskServer, meters);
    }
}
