package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.AddressSupplier;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * {@link DiscoveryAddressSupplierFactory} on Spring Cloud's {@link DiscoveryClient}. The look-up may block (a
 * registry round trip), so it runs on a small daemon pool of its own, never on the engine's thread.
 */
class DiscoveryClientAddressSupplierFactory implements DiscoveryAddressSupplierFactory, DisposableBean {

    private final DiscoveryClient discoveryClient;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "persistent-connection-discovery");
        thread.setDaemon(true);
        return thread;
    });

    DiscoveryClientAddressSupplierFactory(DiscoveryClient discoveryClient) {
        this.discoveryClient = discoveryClient;
    }

    @Override
    public AddressSupplier<InetSocketAddress> forService(String serviceId) {
        AtomicInteger next = new AtomicInteger();
        return () -> CompletableFuture.supplyAsync(
                () -> {
                    List<ServiceInstance> instances = discoveryClient.getInstances(serviceId);
                    if (instances == null || instances.isEmpty()) {
                        throw new IllegalStateException(
                                "No instance of service '" + serviceId + "' in the DiscoveryClient");
                    }
                    ServiceInstance instance = instances.get(Math.floorMod(next.getAndIncrement(), instances.size()));
                    return InetSocketAddress.createUnresolved(instance.getHost(), instance.getPort());
                },
                executor);
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}
