package dev.persistentconnection.spring.server;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Health of the task server: UP while it listens, with its address, clients and tasks in flight. */
public class TaskServerHealthIndicator implements HealthIndicator {

    private final ManagedTaskServer server;

    public TaskServerHealthIndicator(ManagedTaskServer server) {
        this.server = server;
    }

    @Override
    public Health health() {
        return server.localAddress()
                .map(address -> Health.up()
                        .withDetail("address", address.getAddress().getHostAddress() + ":" + address.getPort())
                        .withDetail("clients", server.numClients())
                        .withDetail("tasksInFlight", server.tasksInFlight())
                        .build())
                .orElseGet(() -> Health.down().withDetail("running", false).build());
    }
}
