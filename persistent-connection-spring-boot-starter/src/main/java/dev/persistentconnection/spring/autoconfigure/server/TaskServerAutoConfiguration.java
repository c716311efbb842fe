package dev.persistentconnection.spring.autoconfigure.server;

import dev.persistentconnection.spring.autoconfigure.codec.TaskPayloadCodecAutoConfiguration;
import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskExceptionMapper;
import dev.persistentconnection.spring.server.TaskHandlerMethod;
import dev.persistentconnection.spring.server.TaskHandlerMethods;
import dev.persistentconnection.spring.server.TaskServerMeters;
import dev.persistentconnection.tasks.TaskServer;
import dev.persistentconnection.tasks.TaskServerListener;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Auto-configuration of the task server ({@code persistent-connection.server.enabled=true}): a
 * {@link ManagedTaskServer} (bean {@code taskServer}) serving the {@link TaskController @TaskController} beans,
 * started before the web server and stopped after it
 * (gracefully with {@code server.shutdown=graceful}, within {@code spring.lifecycle.timeout-per-shutdown-phase}).
 * Every {@link TaskServerListener} bean is told what the server refuses.
 */
@AutoConfiguration(
        after = TaskPayloadCodecAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration",
            "org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration",
            "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"
        })
@ConditionalOnClass(TaskServer.class)
@ConditionalOnBooleanProperty("persistent-connection.server.enabled")
@EnableConfigurationProperties(TaskServerProperties.class)
public class TaskServerAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TaskServerMeters taskServerMeters() {
        return new TaskServerMeters();
    }

    @Bean(destroyMethod = "stopNow")
    @ConditionalOnMissingBean
    ManagedTaskServer taskServer(
            TaskServerProperties properties,
            ObjectProvider<SslBundles> sslBundles,
            ListableBeanFactory beanFactory,
            ConfigurableEnvironment environment,
            TaskPayloadCodec codec,
            ObjectProvider<TaskExceptionMapper> exceptionMappers,
            ObjectProvider<ObservationRegistry> observations,
            TaskServerMeters meters,
            ObjectProvider<TaskServerListener> listeners) {
        TaskServer.Builder builder =
                TaskServerFactory.create(properties, sslBundles.getIfAvailable(), beanFactory, environment);
        builder.listener(listener(listeners.orderedStream().toList()));
        Map<Integer, TaskHandlerMethod> handlers = TaskHandlerMethods.detect(
                beanFactory,
                codec,
                exceptionMappers.orderedStream().toList(),
                observations.getIfAvailable(() -> ObservationRegistry.NOOP),
                meters);
        return new ManagedTaskServer(
                port -> {
                    TaskServer server = builder.port(port).build();
                    handlers.forEach((code, handler) -> server.register(code, handler, handler.name()));
                    return server;
                },
                properties.getPort(),
                grace(environment),
                environment,
                handlers.values());
    }

    /** Every {@link TaskServerListener} bean (the meters are one) in turn. */
    private static TaskServerListener listener(List<TaskServerListener> listeners) {
        if (listeners.size() == 1) {
            return listeners.get(0);
        }
        return (reason, address, detail) -> {
            for (TaskServerListener listener : listeners) {
                listener.rejected(reason, address, detail);
            }
        };
    }

    /** 90 % of the shutdown phase's timeout with a graceful shutdown (so the phase ends in time), else none. */
    static Duration grace(ConfigurableEnvironment environment) {
        String shutdown = environment.getProperty("server.shutdown", "graceful");
        if (!"graceful".equalsIgnoreCase(shutdown.trim())) {
            return Duration.ZERO;
        }
        String timeout = environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase", "30s");
        return DurationStyle.detectAndParse(timeout).multipliedBy(9).dividedBy(10);
    }
}
