package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.tasks.TaskClientOptions;
import org.junit.jupiter.api.Test;

/**
 * The starter's defaults for the built-in connector are literals (the starter must not need the transport on the
 * classpath, and the IDE metadata reads literals); the transport defines the protocol's defaults. They must agree.
 */
class TransportDefaultsTest {

    @Test
    void theStartersDefaultsAreTheTransports() {
        PersistentConnectionSettings starter = () -> "orders";
        TaskClientOptions transport = TaskClientOptions.defaults();
        assertThat(starter.connectTimeout()).isEqualTo(transport.connectTimeout());
        assertThat(starter.heartbeat().interval()).isEqualTo(transport.heartbeatInterval());
        assertThat(starter.heartbeat().timeout()).isEqualTo(transport.heartbeatTimeout());
    }
}
