package dev.persistentconnection.spring.observation;

import dev.persistentconnection.tasks.TaskRequest;
import io.micrometer.observation.transport.ReceiverContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The context of a server task observation: the carrier is the task's metadata, where the trace context is. */
public class TaskServerObservationContext extends ReceiverContext<Map<String, String>>
        implements TaskObservations.HasOutcome {

    private final int code;
    private final String handler;
    private final SocketAddress client;
    private @Nullable String clientAddress;
    private volatile String outcome = TaskObservations.OUTCOME_SUCCESS;

    public TaskServerObservationContext(TaskRequest request, String handler) {
        super((carrier, key) -> carrier.get(key));
        this.code = request.code();
        this.handler = handler;
        setCarrier(request.metadata());
        this.client = request.client().remoteAddress();
    }

    /**
     * The client's address as a URI, {@code tcp://host:port}, which is the form a tracer parses into the span's
     * peer address and port. Made when first asked for: only a tracer asks, once per task.
     */
    @Override
    public @Nullable String getRemoteServiceAddress() {
        String address = super.getRemoteServiceAddress();
        if (address == null) {
            address = clientAddress;
            if (address == null) {
                address = uri(client);
                clientAddress = address;
            }
        }
        return address;
    }

    static String uri(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getHostString();
            return "tcp://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    public int getCode() {
        return code;
    }

    public String getHandler() {
        return handler;
    }

    @Override
    public String getOutcome() {
        return outcome;
    }

    public void setOutcome(String outcome) {
        this.outcome = outcome;
    }
}
