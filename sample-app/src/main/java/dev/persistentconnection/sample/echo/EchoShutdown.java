package dev.persistentconnection.sample.echo;

import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The {@code echo} connection runs over the application's own web server, which stops before the starter closes
 * the connections: close it first, so that shutting down is not reported as a lost connection and a failed
 * reconnect. (The starter's own close later is a no-op.) A connection to another server needs nothing like it.
 */
@Component
class EchoShutdown {

    @EventListener
    void closing(ContextClosedEvent event) {
        event.getApplicationContext()
                .getBeanProvider(PersistentConnections.class)
                .ifAvailable(connections ->
                        connections.findManaged("echo").ifPresent(ManagedPersistentConnection::closeAsync));
    }
}
