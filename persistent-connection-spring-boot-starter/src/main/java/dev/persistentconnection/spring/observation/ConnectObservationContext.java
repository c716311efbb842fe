package dev.persistentconnection.spring.observation;

import io.micrometer.observation.Observation;

/** The context of a connection attempt observation. */
public class ConnectObservationContext extends Observation.Context implements TaskObservations.HasOutcome {

    private final String connection;
    private volatile String outcome = TaskObservations.OUTCOME_SUCCESS;

    public ConnectObservationContext(String connection) {
        this.connection = connection;
    }

    public String getConnection() {
        return connection;
    }

    @Override
    public String getOutcome() {
        return outcome;
    }

    public void setOutcome(String outcome) {
        this.outcome = outcome;
    }
}
