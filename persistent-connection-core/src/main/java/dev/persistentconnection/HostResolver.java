package dev.persistentconnection;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Looks a host name up, for {@link AddressSuppliers#dns(String, int, HostResolver)}, without blocking the caller.
 * A test gives its own, whose answers it changes as a DNS server would.
 */
@FunctionalInterface
public interface HostResolver {

    /** All the addresses of {@code host}; an empty list or a failed stage is a failed attempt. */
    CompletionStage<List<InetAddress>> resolve(String host);

    /**
     * Asks the DNS servers the system is configured with for the A and AAAA records of the name at every call,
     * through the JDK's own DNS client (JNDI), so that the JVM's address cache ({@code networkaddress.cache.ttl})
     * plays no part. IP literals are returned as they are; {@code localhost}, and a name DNS does not know (an
     * {@code /etc/hosts} entry), are looked up through {@link InetAddress}, whose cache then applies. Lookups run
     * on a shared daemon thread pool.
     */
    static HostResolver system() {
        return SystemHostResolver.INSTANCE;
    }
}
