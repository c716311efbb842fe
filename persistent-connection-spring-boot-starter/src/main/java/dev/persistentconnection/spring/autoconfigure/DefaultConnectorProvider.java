package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;

/**
 * Supplies the built-in connector of a connection that has no {@link PersistentConnectionRegistration} bean
 * (the zero-code path; provided when {@code persistent-connection-tasks} is on the classpath).
 */
@FunctionalInterface
public interface DefaultConnectorProvider {

    /**
     * The registration to use for {@code settings}. Invalid settings throw
     * {@link InvalidPersistentConnectionPropertyException}.
     */
    PersistentConnectionRegistration<?, ?> registrationFor(PersistentConnectionSettings settings);
}
