package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;

/**
 * The zero-code registrations of {@code websocket.*} and {@code tcp.*} connections; a bean only when
 * persistent-connection-transports is on the classpath (a type of the starter's own, so that nothing here loads
 * the transports' classes without them).
 */
@FunctionalInterface
interface MessageTransportRegistrations {

    /** The registration of a connection whose {@link PersistentConnectionSettings#transport()} is not TASKS. */
    PersistentConnectionRegistration<?, ?> registrationFor(PersistentConnectionSettings settings);
}
