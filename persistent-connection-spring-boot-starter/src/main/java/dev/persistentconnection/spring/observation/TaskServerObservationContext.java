package dev.persistentconnection.spring.observation;

import dev.persistentconnection.tasks.TaskRequest;
import io.micrometer.observation.transport.ReceiverContext;
import java.util.Map;

/** The context of a server task observation: the carrier is the task's metadata, where the trace context is. */
public class TaskServerObservationContext extends ReceiverContext<Map<String, String>>
        implements TaskObservations.HasOutcome {

    private final int code;
    private final String handler;
    private volatile String outcome = TaskObservations.OUTCOME_SUCCESS;

    public TaskServerObservationContext(TaskRequest request, String handler) {
        super((carrier, key) -> carrier.get(key));
        this.code = request.code();
        this.handler = handler;
        setCarrier(request.metadata());
        setRemoteServiceAddress(String.valueOf(request.client().remoteAddress()));
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
