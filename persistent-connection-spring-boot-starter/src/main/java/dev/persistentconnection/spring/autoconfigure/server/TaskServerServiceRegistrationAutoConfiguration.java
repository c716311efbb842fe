package dev.persistentconnection.spring.autoconfigure.server;

import dev.persistentconnection.spring.autoconfigure.InvalidPersistentConnectionPropertyException;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskServerRegistrationFactory;
import dev.persistentconnection.spring.server.TaskServerServiceRegistration;
import dev.persistentconnection.tasks.TaskServer;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;
import org.springframework.cloud.zookeeper.serviceregistry.ServiceInstanceRegistration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Registers the auto-configured task server in the application's Spring Cloud {@link ServiceRegistry} when
 * {@code persistent-connection.server.registration.service-id} is set: its bound address once it listens, taken
 * back before it stops.
 */
@AutoConfiguration(
        after = TaskServerAutoConfiguration.class,
        afterName = {
            "org.springframework.cloud.zookeeper.serviceregistry.ZookeeperServiceRegistryAutoConfiguration",
            "org.springframework.cloud.consul.serviceregistry.ConsulServiceRegistryAutoConfiguration",
            "org.springframework.cloud.netflix.eureka.EurekaClientAutoConfiguration"
        })
@ConditionalOnClass({TaskServer.class, ServiceRegistry.class})
@ConditionalOnBooleanProperty("persistent-connection.server.enabled")
@ConditionalOnProperty("persistent-connection.server.registration.service-id")
public class TaskServerServiceRegistrationAutoConfiguration {

    private static final String PROPERTY = TaskServerFactory.PREFIX + ".registration.service-id";

    @Bean
    @ConditionalOnMissingBean
    @SuppressWarnings({"unchecked", "rawtypes"})
    TaskServerServiceRegistration taskServerServiceRegistration(
            ManagedTaskServer taskServer,
            TaskServerProperties properties,
            ObjectProvider<ServiceRegistry<?>> registries,
            ObjectProvider<TaskServerRegistrationFactory> factories,
            ConfigurableEnvironment environment) {
        String serviceId = properties.getRegistration().getServiceId();
        ServiceRegistry registry = registries.getIfUnique();
        if (registry == null) {
            throw new InvalidPersistentConnectionPropertyException(
                            PROPERTY,
                            serviceId,
                            "there is no single Spring Cloud ServiceRegistry to register the task server in",
                            "Add a Spring Cloud discovery implementation (for example spring-cloud-starter-zookeeper-discovery)"
                                    + " or remove '" + PROPERTY + "'.")
                    .withSourceFrom(environment);
        }
        TaskServerRegistrationFactory factory = factories.getIfUnique();
        if (factory == null) {
            throw new InvalidPersistentConnectionPropertyException(
                            PROPERTY,
                            serviceId,
                            "there is no TaskServerRegistrationFactory for the ServiceRegistry "
                                    + registry.getClass().getName(),
                            "Declare a TaskServerRegistrationFactory bean that builds this registry's Registration (the starter"
                                    + " brings one for ZooKeeper), or remove '" + PROPERTY + "'.")
                    .withSourceFrom(environment);
        }
        return new TaskServerServiceRegistration(
                taskServer,
                (ServiceRegistry<Registration>) registry,
                factory,
                serviceId,
                properties.getRegistration().getHost());
    }

    /** The registration of Spring Cloud ZooKeeper ({@code /services/<service-id>/<instance-id>}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ServiceInstanceRegistration.class)
    static class ZooKeeperRegistrationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        TaskServerRegistrationFactory zookeeperTaskServerRegistrationFactory() {
            return (serviceId, host, port) -> {
                String id = UUID.randomUUID().toString();
                return ServiceInstanceRegistration.builder()
                        .defaultUriSpec()
                        .id(id)
                        .address(host)
                        .port(port)
                        .name(serviceId)
                        .payload(new ZookeeperInstance(id, serviceId, Map.of()))
                        .build();
            };
        }
    }
}
