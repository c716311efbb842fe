package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.TaskServerListener.Rejection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters of the task server: {@code persistent-connection.server.clients}, {@code ...server.tasks.in-flight} and
 * the payload bytes {@code ...server.bytes} (tag {@code direction}: in, out) and
 * {@code ...server.rejections} (tag {@code reason}, one of {@link Rejection#tag()}: connections and tasks the server
 * refused, clients it closed for a protocol violation, and pauses at the in-flight limit). The timer per task code and outcome
 * is the server task observation's ({@code persistent-connection.server.task}).
 */
public class TaskServerMetrics implements MeterBinder {

    private final ManagedTaskServer server;

    private final TaskServerMeters meters;

    public TaskServerMetrics(ManagedTaskServer server, TaskServerMeters meters) {
        this.server = server;
        this.meters = meters;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("persistent-connection.server.clients", server, ManagedTaskServer::numClients)
                .description("Clients past their handshake")
                .register(registry);
        Gauge.builder("persistent-connection.server.tasks.in-flight", server, ManagedTaskServer::tasksInFlight)
                .description("Tasks the server is running")
                .register(registry);
        FunctionCounter.builder("persistent-connection.server.bytes", meters, TaskServerMeters::bytesIn)
                .tag("direction", "in")
                .baseUnit("bytes")
                .description("Request payload bytes of handler methods")
                .register(registry);
        FunctionCounter.builder("persistent-connection.server.bytes", meters, TaskServerMeters::bytesOut)
                .tag("direction", "out")
                .baseUnit("bytes")
                .description("Answer bytes of handler methods")
                .register(registry);
        for (Rejection reason : Rejection.values()) {
            FunctionCounter.builder("persistent-connection.server.rejections", meters, m -> m.rejections(reason))
                    .tag("reason", reason.tag())
                    .description("Connections and tasks the task server refused, by reason")
                    .register(registry);
        }
    }
}
