package dev.persistentconnection.spring.server;

import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Makes the {@link Registration} of the task server for the application's Spring Cloud {@link ServiceRegistry}:
 * each registry takes its own registration type. The starter brings one for ZooKeeper; declare a bean of this type
 * for another registry (Consul, Eureka...).
 */
@FunctionalInterface
public interface TaskServerRegistrationFactory {

    /**
     * @param serviceId {@code persistent-connection.server.registration.service-id}
     * @param host the address clients should connect to
     * @param port the port the server is bound to
     */
    Registration registration(String serviceId, String host, int port);
}
