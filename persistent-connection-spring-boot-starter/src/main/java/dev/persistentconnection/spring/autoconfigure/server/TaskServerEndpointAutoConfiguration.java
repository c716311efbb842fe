package dev.persistentconnection.spring.autoconfigure.server;

import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskServerEndpoint;
import dev.persistentconnection.tasks.TaskServer;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code taskserver} actuator endpoint (exposed only where the user exposes it). */
@AutoConfiguration(after = TaskServerAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class, TaskServer.class})
@ConditionalOnBean(ManagedTaskServer.class)
@ConditionalOnAvailableEndpoint(TaskServerEndpoint.class)
public class TaskServerEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TaskServerEndpoint taskServerEndpoint(ManagedTaskServer taskServer) {
        return new TaskServerEndpoint(taskServer);
    }
}
