package dev.persistentconnection.spring;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The effective, validated settings of one named connection: {@code persistent-connection.defaults} overlaid with
 * {@code persistent-connection.connections.<name>}. Custom connectors can read their connect timeout, heartbeat
 * and TLS bundle from here.
 *
 * @param name the connection's name (the key under {@code persistent-connection.connections})
 * @param serverName the server name given to the engine (defaults to the name)
 * @param addresses the configured addresses, unresolved, in round-robin order (may be empty)
 * @param retryDelay the base retry delay
 * @param jitter the jitter fraction in [0, 1)
 * @param backoffMultiplier the back-off factor per consecutive failure (1 = none)
 * @param backoffMaxDelay the upper bound of the backed-off delay
 * @param backoffResetAfter how long a connection must stay up for the back-off to reset
 * @param connectTimeout the connect timeout
 * @param heartbeatInterval the heartbeat interval
 * @param heartbeatTimeout the heartbeat timeout
 * @param sslBundle the SSL bundle name, or {@code null} for plain TCP
 * @param discoveryServiceId the discovery service id, or {@code null}
 */
public record PersistentConnectionSettings(
        String name,
        String serverName,
        List<InetSocketAddress> addresses,
        Duration retryDelay,
        double jitter,
        double backoffMultiplier,
        Duration backoffMaxDelay,
        Duration backoffResetAfter,
        Duration connectTimeout,
        Duration heartbeatInterval,
        Duration heartbeatTimeout,
        String sslBundle,
        String discoveryServiceId) {

    public PersistentConnectionSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(serverName, "serverName");
        addresses = List.copyOf(addresses);
    }

    /** The property prefix of this connection, e.g. {@code persistent-connection.connections.orders}. */
    public String propertyPrefix() {
        return propertyPrefix(name);
    }

    /** The property prefix of a connection name (bracketed when the name needs it). */
    public static String propertyPrefix(String name) {
        boolean plain = name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-');
        return "persistent-connection.connections" + (plain ? "." + name : "[" + name + "]");
    }
}
