package dev.persistentconnection.test.spring;

import dev.persistentconnection.VirtualTimeSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The configuration {@link VirtualTimeConnections} imports: one virtual clock for all the connections. */
@Configuration(proxyBeanMethods = false)
public class VirtualTimeConnectionsConfiguration {

    /** The clock of every persistent connection the starter builds in this context. */
    @Bean
    VirtualTimeSource persistentConnectionsVirtualTime() {
        return new VirtualTimeSource();
    }
}
