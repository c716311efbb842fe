package dev.persistentconnection.tasks;

/**
 * Serves one task code on a {@link TaskServer}: reads the request and returns the
 * function that computes the answer.
 *
 * <p>Both the handler and the run function it returns are called on the server's task executor, never on an I/O
 * thread. Throwing a {@link TaskException} answers the client with an ERROR frame; throwing anything else is a
 * serious failure that drops that client's connection (and only that one).
 */
@FunctionalInterface
public interface TaskHandler {

    /**
     * Reads {@code request}; may attach run data with {@link TaskRequest#attachRunData(Object)}.
     *
     * @return the run function; {@code null} answers OK with no data
     */
    TaskRun handle(TaskRequest request) throws Exception;

    /**
     * A handler whose answer is computed in one go from the request payload. The answer goes out as one frame
     * (when it fits the client's frame size) and the returned array is sent as it is: do not change it afterwards.
     */
    static TaskHandler of(PayloadFunction function) {
        java.util.Objects.requireNonNull(function, "function");
        return request -> new WholeAnswer(function, request.payload());
    }

    /** A function from request payload to response bytes, allowed to throw {@link TaskException}. */
    @FunctionalInterface
    interface PayloadFunction {
        byte[] apply(byte[] payload) throws Exception;
    }
}
