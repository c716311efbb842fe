package dev.persistentconnection.spring.autoconfigure.metrics;

import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.metrics.MessageTransportMetrics;
import dev.persistentconnection.spring.metrics.PersistentConnectionMetrics;
import dev.persistentconnection.transports.MessageConnector;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Micrometer meters of the persistent connections, when Micrometer and a {@link MeterRegistry} are present. */
@AutoConfiguration(
        after = PersistentConnectionAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeterRegistry.class, PersistentConnections.class})
public final class PersistentConnectionMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PersistentConnectionMetrics persistentConnectionMetrics(PersistentConnections connections) {
        return new PersistentConnectionMetrics(connections);
    }

    /** Message and byte counters of the websocket.* and tcp.* connections. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MessageConnector.class)
    static class MessageTransportMetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        MessageTransportMetrics persistentConnectionMessageTransportMetrics(PersistentConnections connections) {
            return new MessageTransportMetrics(connections);
        }
    }
}
