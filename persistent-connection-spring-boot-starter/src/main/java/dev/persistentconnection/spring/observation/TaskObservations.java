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

    private static final KeyValues SUCCESS = outcome(OUTCOME_SUCCESS);
    private static final KeyValues ERROR = outcome(OUTCOME_ERROR);
    private static final KeyValues CANCELLED = outcome(OUTCOME_CANCELLED);
    private static final KeyValues DEADLINE = outcome(OUTCOME_DEADLINE);
    private static final KeyValues FAILURE = outcome(OUTCOME_FAILURE);

    private static final OutcomeConvention<TaskServerObservationContext> SERVER_TASK_OUTCOME =
            new OutcomeConvention<>(TaskServerObservationContext.class);
    private static final OutcomeConvention<TaskCallObservationContext> CLIENT_CALL_OUTCOME =
            new OutcomeConvention<>(TaskCallObservationContext.class);
    private static final OutcomeConvention<ConnectObservationContext> CONNECT_OUTCOME =
            new OutcomeConvention<>(ConnectObservationContext.class);

    private TaskObservations() {}

    /**
     * The contextual name and low-cardinality keys that the observations of one handler, or of one task code on
     * one connection, share. Computed once and kept, since an observation per task should not build its name and
     * sort its keys per task.
     *
     * @param contextualName the span name: {@code task <code>} on the server, {@code call <connection> <code>} on
     *     the client
     * @param lowCardinalityKeyValues {@code code} and {@code handler} on the server, {@code connection} and
     *     {@code code} on the client
     */
    public record Keys(String contextualName, KeyValues lowCardinalityKeyValues) {}

    /** The keys of the tasks that one handler runs. */
    public static Keys serverTaskKeys(int code, String handler) {
        return new Keys("task " + code, KeyValues.of("code", String.valueOf(code), "handler", handler));
    }

    /** The keys of the typed calls with one code on one connection. */
    public static Keys clientCallKeys(String connection, int code) {
        return new Keys(
                "call " + connection + " " + code,
                KeyValues.of("connection", connection, "code", String.valueOf(code)));
    }

    /** The (not yet started) observation of one task on the server. */
    public static Observation serverTask(
            TaskServerObservationContext context, Keys keys, ObservationRegistry registry) {
        return Observation.createNotStarted(SERVER_TASK, () -> context, registry)
                .contextualName(keys.contextualName)
                .lowCardinalityKeyValues(keys.lowCardinalityKeyValues)
                .observationConvention(SERVER_TASK_OUTCOME);
    }

    /** The (not yet started) observation of one typed call on a connection. */
    public static Observation clientCall(TaskCallObservationContext context, Keys keys, ObservationRegistry registry) {
        return Observation.createNotStarted(CLIENT_CALL, () -> context, registry)
                .contextualName(keys.contextualName)
                .lowCardinalityKeyValues(keys.lowCardinalityKeyValues)
                .observationConvention(CLIENT_CALL_OUTCOME);
    }

    /** The (not yet started) observation of one connection attempt. */
    public static Observation connect(ConnectObservationContext context, ObservationRegistry registry) {
        return Observation.createNotStarted(CONNECT, () -> context, registry)
                .contextualName("connect " + context.getConnection())
                .lowCardinalityKeyValues(KeyValues.of("connection", context.getConnection()))
                .observationConvention(CONNECT_OUTCOME);
    }

    private static KeyValues outcome(String outcome) {
        return KeyValues.of("outcome", outcome);
    }

    /** The {@code outcome} key, one instance per outcome of this class. */
    static KeyValues outcomeKeyValues(String outcome) {
        return switch (outcome) {
            case OUTCOME_SUCCESS -> SUCCESS;
            case OUTCOME_ERROR -> ERROR;
            case OUTCOME_CANCELLED -> CANCELLED;
            case OUTCOME_DEADLINE -> DEADLINE;
            case OUTCOME_FAILURE -> FAILURE;
            default -> outcome(outcome);
        };
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
            return outcomeKeyValues(context.getOutcome());
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
