package dev.persistentconnection.spring.autoconfigure.health;

import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.health.PersistentConnectionHealthIndicator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Health contributor {@code persistentConnections}: one indicator per connection. Switch it off with
 * {@code management.health.persistent-connections.enabled=false}.
 */
@AutoConfiguration(after = PersistentConnectionAutoConfiguration.class)
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(PersistentConnections.class)
@ConditionalOnEnabledHealthIndicator("persistent-connections")
public final class PersistentConnectionHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "persistentConnectionsHealthContributor")
    HealthContributor persistentConnectionsHealthContributor(PersistentConnections connections) {
        Map<String, PersistentConnectionHealthIndicator> indicators = new LinkedHashMap<>();
        for (ManagedPersistentConnection connection : connections) {
            indicators.put(connection.name(), new PersistentConnectionHealthIndicator(connection));
        }
        return CompositeHealthContributor.fromMap(indicators);
    }
}
