package dev.persistentconnection.spring.client;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.NotConnectedException;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.spring.codec.TaskStreamFraming;
import dev.persistentconnection.spring.observation.TaskCallObservationContext;
import dev.persistentconnection.spring.observation.TaskObservations;
import dev.persistentconnection.tasks.ConnectionLostException;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskException;
import dev.persistentconnection.tasks.TaskTimeoutException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Typed calls on one task connection: {@code call(code, request, ResponseType)} encodes the request, waits for
 * the connection, runs the task and decodes the answer, all within one deadline. The starter defines one per
 * task connection, named {@code <name>TaskTemplate}.
 *
 * <pre>{@code
 * Quote quote = quotesTaskTemplate.call(QUOTE, new QuoteRequest("ACME"), Quote.class);
 * }</pre>
 *
 * At the deadline the call fails with {@link TaskDeadlineExceededException}, which says what the connection was
 * doing; an error answer fails it with {@link TaskErrorResponseException}; anything else (a lost connection, an
 * answer that does not decode) with {@link TaskCallException}. Thread-safe.
 */
public final class TaskTemplate {

    /** The largest element of a streamed answer a call accepts: 64 MiB. */
    static final int MAX_STREAMED_ELEMENT = 64 << 20;

    /** The pause before a call looks again for a connection that is not closing. */
    private static final long RETRY_PAUSE_MILLIS = 20;

    private final String connectionName;
    private final PersistentConnection<?, TaskClient> connection;
    private final TaskPayloadCodec codec;
    private final Duration defaultDeadline;
    private final ObservationRegistry observations;
    /** The observation keys per task code, made at the first call with it (at most 65,536 codes). */
    private final Map<Integer, TaskObservations.Keys> callKeys = new ConcurrentHashMap<>();

    private final ScheduledExecutorService timer;

    /**
     * @param connectionName the connection's name (in errors, metrics and traces)
     * @param connection the connection
     * @param codec encodes requests and decodes answers
     * @param defaultDeadline the deadline of calls that give none
     * @param observations where call observations go ({@link ObservationRegistry#NOOP} for none)
     * @param timer runs the short pause before a call looks again for a connection that was closing (not shut down
     *     by the template; the deadlines need no timer)
     */
    public TaskTemplate(
            String connectionName,
            PersistentConnection<?, TaskClient> connection,
            TaskPayloadCodec codec,
            Duration defaultDeadline,
            ObservationRegistry observations,
            ScheduledExecutorService timer) {
        this.connectionName = Objects.requireNonNull(connectionName, "connectionName");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.defaultDeadline = positive(defaultDeadline);
        this.observations = Objects.requireNonNull(observations, "observations");
        this.timer = Objects.requireNonNull(timer, "timer");
    }

    /** The connection's name. */
    public String connectionName() {
        return connectionName;
    }

    /** The deadline of calls that give none. */
    public Duration defaultDeadline() {
        return defaultDeadline;
    }

    /** Runs task {@code code} with {@code request} and waits for its answer, within the default deadline. */
    public <R> R call(int code, Object request, Class<R> responseType) {
        return call(code, request, responseType, defaultDeadline);
    }

    /** Runs task {@code code} with {@code request} and waits for its answer, within {@code deadline}. */
    public <R> R call(int code, Object request, Class<R> responseType, Duration deadline) {
        return responseType.cast(await(callAsync(code, request, (Type) responseType, deadline)));
    }

    /**
     * Runs task {@code code} with {@code request}; the future completes with the decoded answer (of
     * {@code responseType}, which may be a generic type) or one of the call exceptions. Cancelling it cancels the
     * task.
     */
    public <R> CompletableFuture<R> callAsync(int code, Object request, Type responseType, Duration deadline) {
        Call<R> call = new Call<>(code, deadline);
        byte[] payload;
        try {
            payload = encode(request);
        } catch (RuntimeException ex) {
            call.fail(new TaskCallException(
                    connectionName,
                    code,
                    "cannot encode the request of task code " + code + ": " + ex.getMessage(),
                    ex));
            return call.result;
        }
        call.start(
                client -> client.submit(code, payload, call.remaining(), call.metadata()),
                answer -> TaskTemplate.<R>uncheckedCast(decode(code, answer, responseType)));
        return call.result;
    }

    /**
     * Runs a streaming task: hands each element of its answer, decoded as {@code elementType}, to
     * {@code onElement} as it arrives (on the connection's I/O thread: do not block). The future completes when the
     * answer ends. The deadline covers the whole stream.
     */
    public <E> CompletableFuture<Void> stream(
            int code, Object request, Class<E> elementType, Consumer<? super E> onElement, Duration deadline) {
        Objects.requireNonNull(onElement, "onElement");
        Call<Void> call = new Call<>(code, deadline);
        byte[] payload;
        try {
            payload = encode(request);
        } catch (RuntimeException ex) {
            call.fail(new TaskCallException(
                    connectionName,
                    code,
                    "cannot encode the request of task code " + code + ": " + ex.getMessage(),
                    ex));
            return call.result;
        }
        TaskStreamFraming.Reader reader = new TaskStreamFraming.Reader(MAX_STREAMED_ELEMENT);
        call.start(
                client -> client.submitStreaming(
                        code,
                        payload,
                        chunk -> {
                            for (byte[] element : reader.read(chunk)) {
                                onElement.accept(elementType.cast(decode(code, element, elementType)));
                            }
                        },
                        call.remaining(),
                        call.metadata()),
                done -> {
                    if (reader.hasPartialElement()) {
                        throw new TaskCallException(
                                connectionName,
                                code,
                                "the stream of task code " + code + " ended inside an element",
                                null);
                    }
                    return null;
                });
        return call.result;
    }

    /** Like {@link #stream(int, Object, Class, Consumer, Duration)} with the default deadline. */
    public <E> CompletableFuture<Void> stream(
            int code, Object request, Class<E> elementType, Consumer<? super E> onElement) {
        return stream(code, request, elementType, onElement, defaultDeadline);
    }

    private byte[] encode(Object request) {
        return request == null ? new byte[0] : codec.encode(request);
    }

    private Object decode(int code, byte[] answer, Type type) {
        if (type == Void.class || type == void.class) {
            return null;
        }
        try {
            return codec.decode(answer, type);
        } catch (IllegalArgumentException ex) {
            throw new TaskCallException(
                    connectionName,
                    code,
                    "the answer of task code " + code + " is not a " + type.getTypeName() + ": " + ex.getMessage(),
                    ex);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T uncheckedCast(Object value) {
        return (T) value;
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException ex) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the answer");
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new CompletionException(ex.getCause());
        }
    }

    private static Duration positive(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
        return deadline;
    }

    /** When the connection's next attempt is due, if it is waiting for one. */
    static @Nullable Instant nextAttemptAt(ConnectionState state) {
        return state.nextAttemptAt().orElse(null);
    }

    /** One call: its deadline, its observation, and the futures it waits on. */
    private final class Call<R> {

        final int code;
        final Duration deadline;
        final long deadlineAt;
        final CompletableFuture<R> result = new CompletableFuture<>();
        /** The observation's context, or {@code null} when no one observes (a no-op registry). */
        final @Nullable TaskCallObservationContext observation;

        final Observation span;
        volatile CompletableFuture<TaskClient> connected;
        volatile CompletableFuture<?> task;

        Call(int code, Duration deadline) {
            this.code = code;
            this.deadline = positive(deadline);
            this.deadlineAt = System.nanoTime() + deadline.toNanos();
            if (observations.isNoop()) {
                this.observation = null;
                this.span = Observation.NOOP;
            } else {
                this.observation = new TaskCallObservationContext(connectionName, code);
                this.span = TaskObservations.clientCall(
                                observation,
                                callKeys.computeIfAbsent(code, c -> TaskObservations.clientCallKeys(connectionName, c)),
                                observations)
                        .start();
            }
            result.whenComplete((value, error) -> finished(error));
        }

        /** The metadata the task carries: the trace context, if a tracer observes the call. */
        Map<String, String> metadata() {
            return observation == null ? Map.of() : observation.metadata();
        }

        Duration remaining() {
            return Duration.ofNanos(Math.max(1, deadlineAt - System.nanoTime()));
        }

        /**
         * The call's deadline needs no timer of its own: the wait for the connection is the connection's
         * {@code connectedWithin} the rest of the deadline (which fails saying why there is no connection), and
         * the task is sent with the rest of the deadline as its timeout (the client's one timer for every task ends
         * it then, and cancels it at the server).
         */
        <T> void start(Function<TaskClient, CompletableFuture<T>> send, Function<T, R> finish) {
            attempt(send, finish);
        }

        /** What is left of the deadline, zero once it has passed. */
        private Duration left() {
            return Duration.ofNanos(Math.max(0, deadlineAt - System.nanoTime()));
        }

        /**
         * Waits for the connection and sends the task. A connection that turns out to be closing before the task
         * left (the server said GOODBYE, or the engine has not noticed the close yet) is waited out: the task was
         * not sent, so the call waits for the next connection within its deadline.
         */
        private <T> void attempt(Function<TaskClient, CompletableFuture<T>> send, Function<T, R> finish) {
            CompletableFuture<TaskClient> waiting = connection.connectedWithin(left());
            connected = waiting;
            waiting.whenComplete((client, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    if (cause instanceof NotConnectedException notConnected
                            && notConnected.phase() != ConnectionState.Phase.CLOSED) {
                        fail(deadlineExceeded(
                                TaskDeadlineExceededException.Stage.WAITING_FOR_CONNECTION, notConnected.state()));
                    } else {
                        fail(new TaskCallException(connectionName, code, "no connection: " + cause, cause));
                    }
                    return;
                }
                if (result.isDone()) {
                    return;
                }
                if (client.isClosed()) {
                    if (deadlineAt - System.nanoTime() <= 0) {
                        fail(deadlineExceeded(TaskDeadlineExceededException.Stage.WAITING_FOR_CONNECTION));
                    } else {
                        retryLater(send, finish);
                    }
                    return;
                }
                CompletableFuture<T> sent;
                try {
                    sent = send.apply(client);
                } catch (RuntimeException ex) {
                    sent = CompletableFuture.failedFuture(ex);
                }
                if (notSent(sent)) {
                    if (deadlineAt - System.nanoTime() <= 0) {
                        fail(deadlineExceeded(TaskDeadlineExceededException.Stage.WAITING_FOR_CONNECTION));
                    } else {
                        retryLater(send, finish);
                    }
                    return;
                }
                task = sent;
                if (result.isDone()) {
                    sent.cancel(true);
                    return;
                }
                sent.whenComplete((value, failure) -> {
                    if (failure != null) {
                        fail(translate(unwrap(failure)));
                        return;
                    }
                    try {
                        result.complete(finish.apply(value));
                    } catch (RuntimeException ex) {
                        fail(translate(ex));
                    }
                });
            });
        }

        private <T> void retryLater(Function<TaskClient, CompletableFuture<T>> send, Function<T, R> finish) {
            try {
                timer.schedule(() -> attempt(send, finish), RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ex) {
                fail(new TaskCallException(connectionName, code, "the application is shutting down", ex));
            }
        }

        private RuntimeException translate(Throwable failure) {
            if (failure instanceof TaskException taskException) {
                return new TaskErrorResponseException(connectionName, code, taskException);
            }
            if (failure instanceof TaskTimeoutException) {
                return deadlineExceeded(TaskDeadlineExceededException.Stage.WAITING_FOR_ANSWER);
            }
            if (failure instanceof TaskCallException callException) {
                return callException;
            }
            if (failure instanceof CancellationException cancelled) {
                return cancelled;
            }
            return new TaskCallException(
                    connectionName,
                    code,
                    "task code " + code + " on '" + connectionName + "' failed: " + failure,
                    failure);
        }

        private TaskDeadlineExceededException deadlineExceeded(TaskDeadlineExceededException.Stage stage) {
            return deadlineExceeded(stage, connection.state());
        }

        private TaskDeadlineExceededException deadlineExceeded(
                TaskDeadlineExceededException.Stage stage, ConnectionState state) {
            return new TaskDeadlineExceededException(
                    connectionName, code, deadline, stage, state, nextAttemptAt(state));
        }

        void fail(Throwable error) {
            result.completeExceptionally(error);
        }

        private void finished(Throwable error) {
            if (error != null) {
                CompletableFuture<?> sent = task;
                if (sent != null) {
                    sent.cancel(true); // sends CANCEL when the task is still at the server
                }
                CompletableFuture<TaskClient> waiting = connected;
                if (waiting != null && !waiting.isDone()) {
                    waiting.cancel(false);
                }
                Throwable cause = unwrap(error);
                if (observation != null) {
                    observation.setOutcome(outcome(cause));
                }
                span.error(cause);
            }
            span.stop();
        }

        private String outcome(Throwable error) {
            if (error instanceof TaskDeadlineExceededException) {
                return TaskObservations.OUTCOME_DEADLINE;
            }
            if (error instanceof TaskErrorResponseException) {
                return TaskObservations.OUTCOME_ERROR;
            }
            if (error instanceof CancellationException) {
                return TaskObservations.OUTCOME_CANCELLED;
            }
            return TaskObservations.OUTCOME_FAILURE;
        }
    }

    /** Whether the client refused the task at once because it is closing: then the task never left. */
    private static boolean notSent(CompletableFuture<?> sent) {
        if (!sent.isCompletedExceptionally()) {
            return false;
        }
        try {
            sent.getNow(null);
            return false;
        } catch (CompletionException | CancellationException ex) {
            return unwrap(ex) instanceof ConnectionLostException;
        }
    }

    private static Throwable unwrap(Throwable error) {
        return ConnectionDescriptions.unwrap(error);
    }
}
