package dev.persistentconnection.spring.observation;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.ObservationRegistry;

/**
 * The observations of the task protocol: one per typed call on the client
 * ({@value #CLIENT_CALL}), one per task on the server ({@value #SERVER_TASK}) and one per connection attempt
 * ({@value #CONNECT}). Their low-cardinality keys ({@code connection}, {@code code}, {@code handler},
 * {@code outcome}) become the tags of the timers Boot derives from them; with a tracer, the client's call
 * carries its trace context in the task's metadata and the server's task span is its child.
 */
public final class TaskObservations {

    /** A typed call on a connection, from waiting for the connection to the last byte of the answer. */
    public static final String CLIENT_CALL = "persistent-connection.client.call";

    /** One task on the server, from its decoded payload to its last answer frame. */
    public static final String SERVER_TASK = "persistent-connection.server.task";

    /** One connection attempt: address look-up, connect and handshake. */
    public static final String CONNECT = "persistent-connection.connect";

    /** The call or task finished with an answer. */
    public static final String OUTCOME_SUCCESS = "success";

    /** The server answered with an error code. */
    public static final String OUTCOME_ERROR = "error";

    /** The task was cancelled. */
    public static final String OUTCOME_CANCELLED = "cancelled";

    /** The deadline passed. */
    public static final String OUTCOME_DEADLINE = "deadline_exceeded";

    /** Anything else: a serious failure on the server, a lost connection on the client. */
    public static final String OUTCOME_FAILURE = "failure";

    private TaskObservations() {}

    /** The (not yet started) observation of one task on the server. */
    public static Observation serverTask(TaskServerObservationContext context, ObservationRegistry registry) {
        return Observation.createNotStarted(SERVER_TASK, () -> context, registry)
                .contextualName("task " + context.getCode())
                .lowCardinalityKeyValues(
                        KeyValues.of("code", String.valueOf(context.getCode()), "handler", context.getHandler()))
                .observationConvention(new OutcomeConvention<>(TaskServerObservationContext.class));
    }

    /** The (not yet started) observation of one typed call on a connection. */
    public static Observation clientCall(TaskCallObservationContext context, ObservationRegistry registry) {
        return Observation.createNotStarted(CLIENT_CALL, () -> context, registry)
                .contextualName("call " + context.getConnection() + " " + context.getCode())
                .lowCardinalityKeyValues(
                        KeyValues.of("connection", context.getConnection(), "code", String.valueOf(context.getCode())))
                .observationConvention(new OutcomeConvention<>(TaskCallObservationContext.class));
    }

    /** The (not yet started) observation of one connection attempt. */
    public static Observation connect(ConnectObservationContext context, ObservationRegistry registry) {
        return Observation.createNotStarted(CONNECT, () -> context, registry)
                .contextualName("connect " + context.getConnection())
                .lowCardinalityKeyValues(KeyValues.of("connection", context.getConnection()))
                .observationConvention(new OutcomeConvention<>(ConnectObservationContext.class));
    }

    /** Adds the {@code outcome} key, known only when the observation stops. */
    private static final class OutcomeConvention<T extends Observation.Context & HasOutcome>
            implements ObservationConvention<T> {

        private final Class<T> type;

        OutcomeConvention(Class<T> type) {
            this.type = type;
        }

        @Override
        public KeyValues getLowCardinalityKeyValues(T context) {
            return KeyValues.of("outcome", context.getOutcome());
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return type.isInstance(context);
        }
    }

    /** A context whose outcome is set before the observation stops. */
    interface HasOutcome {
        String getOutcome();
    }
}
