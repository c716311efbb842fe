package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.AddressSupplier;
import java.net.InetSocketAddress;

/**
 * Makes the address supplier of {@code discovery.service-id}: a look-up before every attempt, rotating among
 * the instances listed. Provided when Spring Cloud's {@code DiscoveryClient} is available.
 */
@FunctionalInterface
public interface DiscoveryAddressSupplierFactory {

    /** An address supplier that looks {@code serviceId} up before every attempt. */
    AddressSupplier<InetSocketAddress> forService(String serviceId);
}
