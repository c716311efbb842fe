package dev.persistentconnection.spring.autoconfigure.observation;

import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.observation.ConnectionAttemptObserver;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** An observation per connection attempt, when there is an {@link ObservationRegistry}. */
@AutoConfiguration(
        after = PersistentConnectionAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnBean({ObservationRegistry.class, PersistentConnections.class})
public class ConnectionObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ConnectionAttemptObserver connectionAttemptObserver(ObservationRegistry observationRegistry) {
        return new ConnectionAttemptObserver(observationRegistry);
    }
}
