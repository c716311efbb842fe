package dev.persistentconnection.faults.catalog;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;
import org.springframework.cloud.zookeeper.serviceregistry.ServiceInstanceRegistration;
import org.springframework.cloud.zookeeper.serviceregistry.ZookeeperServiceRegistry;

/**
 * A task server publishing its location in ZooKeeper the way Spring Cloud's ZooKeeper discovery reads it
 * ({@code /services/<service-id>/<instance-id>}, an ephemeral node with the {@link ZookeeperInstance} payload),
 * through Spring Cloud's own {@link ZookeeperServiceRegistry}, in a ZooKeeper session of its own.
 */
public final class Catalog {
    /** Spring Cloud ZooKeeper's default root ({@code spring.cloud.zookeeper.discovery.root}). */
    public static final String ROOT = "/services";

    private Catalog() {}

    /**
     * Registers 127.0.0.1:{@code port} under {@code serviceId}; closing deregisters it and ends the session. If the
     * process dies instead, the registration goes when the session expires, {@code sessionMillis} later.
     */
    public static AutoCloseable register(String zookeeper, int sessionMillis, String serviceId, int port)
            throws Exception {
        CuratorFramework curator = CuratorFrameworkFactory.builder()
                .connectString(zookeeper)
                .sessionTimeoutMs(sessionMillis)
                .connectionTimeoutMs(5000)
                .retryPolicy(new RetryNTimes(3, 200))
                .build();
        curator.start();
        if (!curator.blockUntilConnected(20, TimeUnit.SECONDS)) {
            curator.close();
            throw new IllegalStateException("no ZooKeeper at " + zookeeper);
        }
        ServiceDiscovery<ZookeeperInstance> discovery = ServiceDiscoveryBuilder.builder(ZookeeperInstance.class)
                .client(curator)
                .basePath(ROOT)
                .build();
        discovery.start();
        String id = UUID.randomUUID().toString();
        ServiceInstanceRegistration registration = ServiceInstanceRegistration.builder()
                .defaultUriSpec()
                .id(id)
                .address("127.0.0.1")
                .port(port)
                .name(serviceId)
                .payload(new ZookeeperInstance(id, serviceId, Map.of()))
                .build();
        ZookeeperServiceRegistry registry = new ZookeeperServiceRegistry(discovery);
        registry.register(registration);
        return () -> {
            try {
                registry.deregister(registration);
                discovery.close();
            } finally {
                curator.close();
            }
        };
    }
}
