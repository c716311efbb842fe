package dev.persistentconnection.spring;

import dev.persistentconnection.PersistentConnection;

/**
 * Callback applied to the {@link PersistentConnection.Builder} of every starter-managed connection before the
 * starter sets what it owns (address supplier, connector, lifecycle, event handler, retry delay, randomization).
 * Use it for the engine settings that have no property: time source, address or error equality, uncaught
 * exception handler.
 */
@FunctionalInterface
public interface PersistentConnectionCustomizer {

    /**
     * Customizes the builder of the connection named {@code connectionName}.
     * @param connectionName the connection's name
     * @param builder the engine's builder
     */
    void customize(String connectionName, PersistentConnection.Builder<?, ?> builder);
}
