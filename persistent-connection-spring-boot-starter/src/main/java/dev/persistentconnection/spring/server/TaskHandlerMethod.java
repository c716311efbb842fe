package dev.persistentconnection.spring.server;

import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.spring.codec.TaskStreamFraming;
import dev.persistentconnection.spring.observation.TaskObservations;
import dev.persistentconnection.spring.observation.TaskServerObservationContext;
import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskContext;
import dev.persistentconnection.tasks.TaskException;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskRequest;
import dev.persistentconnection.tasks.TaskRun;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * One {@link TaskMapping @TaskMapping} method as a {@link TaskHandler}: decodes the payload, invokes the method on
 * the task executor inside a server observation, and encodes (or streams) what it returns.
 */
public final class TaskHandlerMethod implements TaskHandler {

    /**
     * The error code of a request whose payload does not decode as the method's payload type (the last code of
     * the application range, so that the protocol's reserved codes stay the protocol's).
     */
    public static final int INVALID_PAYLOAD = TaskException.MAX_USER_CODE;

    private enum Answer {
        VOID,
        VALUE,
        STREAM,
        ITERATOR,
        PUBLISHER
    }

    private final String beanName;
    private final Object bean;
    private final Method method;
    private final int code;
    private final String name;
    private final Type payloadType;
    private final Class<?>[] parameters;
    private final Answer answer;
    /** A value (or nothing) answered in one go, by a method that does not take the {@link TaskContext}. */
    private final boolean wholeAnswer;

    private static final byte[] NO_ANSWER = new byte[0];
    private final TaskPayloadCodec codec;
    private final List<TaskExceptionMapper> exceptionMappers;
    private final ObservationRegistry observations;
    private final TaskObservations.Keys observationKeys;
    private final TaskServerMeters meters;

    TaskHandlerMethod(
            String beanName,
            Object bean,
            Method method,
            TaskMapping mapping,
            TaskPayloadCodec codec,
            List<TaskExceptionMapper> exceptionMappers,
            ObservationRegistry observations,
            TaskServerMeters meters) {
        this.beanName = beanName;
        this.bean = bean;
        this.method = method;
        this.code = mapping.code();
        this.name = mapping.name().isEmpty() ? beanName + "." + method.getName() : mapping.name();
        this.codec = codec;
        this.exceptionMappers = exceptionMappers;
        this.observations = observations;
        this.observationKeys = TaskObservations.serverTaskKeys(code, name);
        this.meters = meters;
        this.parameters = method.getParameterTypes();
        Type payload = null;
        Type[] generic = method.getGenericParameterTypes();
        for (int i = 0; i < parameters.length; i++) {
            Class<?> p = parameters[i];
            if (p == TaskContext.class || p == ConnectedClient.class) {
                if (countOf(p) > 1) {
                    throw invalid("takes more than one " + p.getSimpleName());
                }
            } else if (payload != null) {
                throw invalid("has two payload parameters (" + payload.getTypeName() + " and "
                        + generic[i].getTypeName() + "); take one, plus optionally TaskContext and ConnectedClient");
            } else {
                payload = generic[i];
            }
        }
        this.payloadType = payload;
        Class<?> returned = method.getReturnType();
        if (returned == void.class || returned == Void.class) {
            this.answer = Answer.VOID;
        } else if (Stream.class.isAssignableFrom(returned)) {
            this.answer = Answer.STREAM;
        } else if (Iterator.class.isAssignableFrom(returned)) {
            this.answer = Answer.ITERATOR;
        } else if (Flow.Publisher.class.isAssignableFrom(returned)) {
            this.answer = Answer.PUBLISHER;
        } else {
            this.answer = Answer.VALUE;
        }
        this.wholeAnswer = (answer == Answer.VALUE || answer == Answer.VOID) && countOf(TaskContext.class) == 0;
        if (payloadType != null && !codec.canConvert(payloadType)) {
            throw invalid("takes a " + payloadType.getTypeName() + ", which the payload codec cannot decode "
                    + "(add spring-boot-starter-jackson for JSON payloads)");
        }
        Type answerType = answerType(method);
        if (answer != Answer.VOID && !codec.canConvert(answerType)) {
            throw invalid("returns " + answerType.getTypeName() + ", which the payload codec cannot encode "
                    + "(add spring-boot-starter-jackson for JSON answers)");
        }
        ReflectionUtils.makeAccessible(method);
    }

    /** What one answer (or one streamed element) of {@code method} is. */
    static Type answerType(Method method) {
        Class<?> returned = method.getReturnType();
        if (Stream.class.isAssignableFrom(returned)
                || Iterator.class.isAssignableFrom(returned)
                || Flow.Publisher.class.isAssignableFrom(returned)) {
            if (method.getGenericReturnType() instanceof ParameterizedType parameterized) {
                return parameterized.getActualTypeArguments()[0];
            }
            return Object.class;
        }
        return method.getGenericReturnType();
    }

    private long countOf(Class<?> type) {
        long n = 0;
        for (Class<?> p : parameters) {
            if (p == type) {
                n++;
            }
        }
        return n;
    }

    private IllegalStateException invalid(String problem) {
        return new IllegalStateException("@TaskMapping method " + describe() + " " + problem);
    }

    /** The task code. */
    public int code() {
        return code;
    }

    /** The handler's name in logs, metrics and traces. */
    public String name() {
        return name;
    }

    /** The bean the method belongs to. */
    public String beanName() {
        return beanName;
    }

    /** The annotated method. */
    public Method method() {
        return method;
    }

    /** The payload parameter's type, or {@code null} if the method takes no payload. */
    public @Nullable Type requestType() {
        return payloadType;
    }

    /** The type of the answer, or of each streamed element; {@code null} for a {@code void} method. */
    public @Nullable Type responseType() {
        return answer == Answer.VOID ? null : answerType(method);
    }

    /** True if the answer is streamed (a {@code Stream}, {@code Iterator} or {@code Flow.Publisher}). */
    public boolean streaming() {
        return answer == Answer.STREAM || answer == Answer.ITERATOR || answer == Answer.PUBLISHER;
    }

    /** {@code beanName (Class.method)}, for error messages. */
    public String describe() {
        return "'" + beanName + "' (" + method.getDeclaringClass().getName() + "." + method.getName() + ")";
    }

    @Override
    public TaskRun handle(TaskRequest request) throws Exception {
        if (wholeAnswer) {
            // An answer computed in one go goes out as the task's final frame (data and end in one), as a
            // TaskHandler.of handler's does, instead of a chunk and an empty end frame.
            return TaskHandler.of(payload -> observed(request, null, () -> {
                        Object result = invoke(arguments(payload, request, null));
                        return (result == null || answer == Answer.VOID) ? NO_ANSWER : encoded(codec.encode(result));
                    }))
                    .handle(request);
        }
        return context -> observed(request, context, () -> {
            answer(invoke(arguments(request.payload(), request, context)), context);
            return null;
        });
    }

    /** Runs {@code body} inside the server task observation (when one is wanted), mapping its exceptions. */
    private <T> T observed(TaskRequest request, @Nullable TaskContext context, Body<T> body) throws Exception {
        meters.received(request.payload().length);
        if (observations.isNoop()) {
            try {
                return body.run();
            } catch (Exception | Error ex) {
                TaskException mapped = mapped(ex);
                if (mapped != null) {
                    throw mapped;
                }
                throw ex;
            }
        }
        var observationContext = new TaskServerObservationContext(request, name);
        Observation observation = TaskObservations.serverTask(observationContext, observationKeys, observations)
                .start();
        String outcome = TaskObservations.OUTCOME_SUCCESS;
        try (Observation.Scope scope = observation.openScope()) {
            return body.run();
        } catch (Exception | Error ex) {
            TaskException mapped = mapped(ex);
            if (context != null
                    ? context.isCancelled()
                    : ex instanceof InterruptedException
                            || Thread.currentThread().isInterrupted()) {
                outcome = TaskObservations.OUTCOME_CANCELLED;
            } else {
                outcome = (mapped != null) ? TaskObservations.OUTCOME_ERROR : TaskObservations.OUTCOME_FAILURE;
                observation.error(ex);
            }
            if (mapped != null) {
                throw mapped;
            }
            throw ex;
        } finally {
            observationContext.setOutcome(outcome);
            observation.stop();
        }
    }

    @FunctionalInterface
    private interface Body<T> {
        T run() throws Exception;
    }

    private byte[] encoded(byte[] bytes) {
        meters.sent(bytes.length);
        return bytes;
    }

    private Object[] arguments(byte[] payload, TaskRequest request, @Nullable TaskContext context)
            throws TaskException {
        Object[] arguments = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] == TaskContext.class) {
                arguments[i] = context;
            } else if (parameters[i] == ConnectedClient.class) {
                arguments[i] = request.client();
            } else {
                try {
                    arguments[i] = codec.decode(payload, payloadType);
                } catch (IllegalArgumentException ex) {
                    throw new TaskException(
                            INVALID_PAYLOAD, "invalid payload for task code " + code + ": " + ex.getMessage(), ex);
                }
            }
        }
        return arguments;
    }

    private Object invoke(Object[] arguments) throws Exception {
        try {
            return method.invoke(bean, arguments);
        } catch (InvocationTargetException ex) {
            if (ex.getTargetException() instanceof Exception exception) {
                throw exception;
            }
            throw (Error) ex.getTargetException();
        }
    }

    /** The error answer for an exception the method threw, or {@code null} if it is a serious failure. */
    TaskException mapped(Throwable thrown) {
        if (thrown instanceof TaskException taskException) {
            return taskException;
        }
        TaskErrorCode annotation = AnnotatedElementUtils.findMergedAnnotation(thrown.getClass(), TaskErrorCode.class);
        if (annotation != null) {
            return new TaskException(annotation.value(), String.valueOf(thrown.getMessage()), thrown);
        }
        for (TaskExceptionMapper mapper : exceptionMappers) {
            OptionalInt errorCode = mapper.errorCode(thrown);
            if (errorCode.isPresent()) {
                return new TaskException(errorCode.getAsInt(), String.valueOf(thrown.getMessage()), thrown);
            }
        }
        return null;
    }

    private void answer(Object result, TaskContext context) throws Exception {
        if (result == null || answer == Answer.VOID) {
            return;
        }
        switch (answer) {
            case VALUE -> write(context, codec.encode(result));
            case STREAM -> {
                try (Stream<?> stream = (Stream<?>) result) {
                    Iterator<?> elements = stream.iterator();
                    while (elements.hasNext()) {
                        writeElement(context, elements.next());
                    }
                }
            }
            case ITERATOR -> {
                Iterator<?> elements = (Iterator<?>) result;
                while (elements.hasNext()) {
                    writeElement(context, elements.next());
                }
            }
            case PUBLISHER -> drain((Flow.Publisher<?>) result, context);
            default -> throw new IllegalStateException(answer.name());
        }
    }

    private void writeElement(TaskContext context, Object element) throws Exception {
        write(context, TaskStreamFraming.frame(codec.encode(element)));
    }

    private void write(TaskContext context, byte[] bytes) throws Exception {
        context.write(bytes);
        meters.sent(bytes.length);
    }

    /** Pulls the publisher's elements one at a time on this (task) thread; a cancel or interrupt cancels it. */
    private void drain(Flow.Publisher<?> publisher, TaskContext context) throws Exception {
        BlockingQueue<Object[]> signals = new LinkedBlockingQueue<>();
        Flow.Subscription[] subscription = new Flow.Subscription[1];
        publisher.subscribe(new Flow.Subscriber<Object>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                signals.add(new Object[] {"subscribe", s});
            }

            @Override
            public void onNext(Object item) {
                signals.add(new Object[] {"next", item});
            }

            @Override
            public void onError(Throwable throwable) {
                signals.add(new Object[] {"error", throwable});
            }

            @Override
            public void onComplete() {
                signals.add(new Object[] {"complete", null});
            }
        });
        boolean finished = false;
        try {
            while (!finished) {
                Object[] signal = signals.take();
                switch ((String) signal[0]) {
                    case "subscribe" -> {
                        subscription[0] = (Flow.Subscription) signal[1];
                        subscription[0].request(1);
                    }
                    case "next" -> {
                        writeElement(context, signal[1]);
                        subscription[0].request(1);
                    }
                    case "error" -> {
                        finished = true;
                        Throwable error = (Throwable) signal[1];
                        if (error instanceof Exception exception) {
                            throw exception;
                        }
                        throw (Error) error;
                    }
                    default -> finished = true;
                }
            }
        } finally {
            if (!finished && subscription[0] != null) {
                subscription[0].cancel();
            }
        }
    }

    @Override
    public String toString() {
        return "TaskHandlerMethod[code " + code + ": " + describe() + "]";
    }
}
