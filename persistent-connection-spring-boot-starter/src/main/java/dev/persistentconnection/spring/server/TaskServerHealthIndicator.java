package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskServer;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Health of the task server: UP while it listens, with its address, clients and tasks in flight. */
public class TaskServerHealthIndicator implements HealthIndicator {

    private final TaskServer server;

    public TaskServerHealthIndicator(TaskServer server) {
        this.server = server;
    }

    @Override
    public Health health() {
        if (!server.isRunning()) {
            return Health.down().withDetail("running", false).build();
        }
        return Health.up()
                .withDetail("address", server.localAddress().getAddress().getHostAddress() + ":" + server.port())
                .withDetail("clients", server.numClients())
                .withDetail("tasksInFlight", tasksInFlight(server))
                .build();
    }

    static int tasksInFlight(TaskServer server) {
        int n = 0;
        for (ConnectedClient client : server.clients()) {
            n += client.tasks().size();
        }
        return n;
    }
}
