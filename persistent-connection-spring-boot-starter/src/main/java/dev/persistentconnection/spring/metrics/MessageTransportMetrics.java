package dev.persistentconnection.spring.metrics;

import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.transports.MessageConnector;
import dev.persistentconnection.transports.TransportCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer counters of the WebSocket and TCP connections, tagged like {@link PersistentConnectionMetrics}:
 * <ul>
 * <li>{@code persistent.connection.messages.received} and {@code persistent.connection.messages.sent};</li>
 * <li>{@code persistent.connection.bytes.received} and {@code persistent.connection.bytes.sent} (payload bytes,
 * without framing).</li>
 * </ul>
 */
public class MessageTransportMetrics implements MeterBinder {

    private final PersistentConnections connections;

    public MessageTransportMetrics(PersistentConnections connections) {
        this.connections = connections;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ManagedPersistentConnection connection : connections) {
            if (!(connection.connector() instanceof MessageConnector<?, ?> connector)) {
                continue;
            }
            Tags tags = Tags.of(
                    "connection",
                    connection.name(),
                    "server",
                    connection.settings().serverName());
            TransportCounters counters = connector.counters();
            FunctionCounter.builder(
                            "persistent.connection.messages.received", counters, TransportCounters::messagesReceived)
                    .tags(tags)
                    .description("Messages handed to the connection's handler")
                    .register(registry);
            FunctionCounter.builder("persistent.connection.messages.sent", counters, TransportCounters::messagesSent)
                    .tags(tags)
                    .description("Messages written to the connection")
                    .register(registry);
            FunctionCounter.builder("persistent.connection.bytes.received", counters, TransportCounters::bytesReceived)
                    .tags(tags)
                    .baseUnit("bytes")
                    .description("Payload bytes of the messages received")
                    .register(registry);
            FunctionCounter.builder("persistent.connection.bytes.sent", counters, TransportCounters::bytesSent)
                    .tags(tags)
                    .baseUnit("bytes")
                    .description("Payload bytes of the messages sent")
                    .register(registry);
        }
    }
}
