package dev.persistentconnection.spring.observation;

import io.micrometer.observation.transport.SenderContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The context of a client call observation: the carrier is the metadata the task is sent with, where a tracer's
 * propagator writes the trace context.
 */
public class TaskCallObservationContext extends SenderContext<Map<String, String>>
        implements TaskObservations.HasOutcome {

    private final String connection;
    private final int code;
    private volatile String outcome = TaskObservations.OUTCOME_SUCCESS;

    public TaskCallObservationContext(String connection, int code) {
        super((carrier, key, value) -> {
            if (carrier != null) {
                carrier.put(key, value);
            }
        });
        this.connection = connection;
        this.code = code;
        setCarrier(new LinkedHashMap<>());
        setRemoteServiceName(connection);
    }

    public String getConnection() {
        return connection;
    }

    public int getCode() {
        return code;
    }

    /** The metadata to send with the task (filled by the tracer when the observation starts). */
    public Map<String, String> metadata() {
        Map<String, String> carrier = getCarrier();
        return carrier == null ? Map.of() : carrier;
    }

    @Override
    public String getOutcome() {
        return outcome;
    }

    public void setOutcome(String outcome) {
        this.outcome = outcome;
    }
}
