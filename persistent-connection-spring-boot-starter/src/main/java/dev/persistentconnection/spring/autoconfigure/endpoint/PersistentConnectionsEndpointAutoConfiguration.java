package dev.persistentconnection.spring.autoconfigure.endpoint;

import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.endpoint.PersistentConnectionsEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code persistentconnections} actuator endpoint (exposed only where the user exposes it). */
@AutoConfiguration(after = PersistentConnectionAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(PersistentConnections.class)
@ConditionalOnAvailableEndpoint(PersistentConnectionsEndpoint.class)
public final class PersistentConnectionsEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PersistentConnectionsEndpoint persistentConnectionsEndpoint(PersistentConnections connections) {
        return new PersistentConnectionsEndpoint(connections);
    }
}
