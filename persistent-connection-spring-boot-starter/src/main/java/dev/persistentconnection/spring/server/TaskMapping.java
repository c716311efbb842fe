package dev.persistentconnection.spring.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.aot.hint.annotation.Reflective;

/**
 * Serves one task code with a method of a {@link TaskController @TaskController} bean.
 * <p>
 * Parameters, in any order, each at most once: the request payload ({@code byte[]}, {@code String}, or any type
 * the JSON mapper binds), the task's {@link dev.persistentconnection.tasks.TaskContext} (its cancellation flag and
 * the stream the answer goes to) and the {@link dev.persistentconnection.tasks.ConnectedClient}.
 * <p>
 * The return value is the answer, encoded like the payload; {@code void} answers nothing (or what the method
 * wrote to the context). A {@link java.util.stream.Stream}, {@link java.util.Iterator} or
 * {@link java.util.concurrent.Flow.Publisher} streams its elements, each as one framed element (see
 * {@link dev.persistentconnection.spring.codec.TaskStreamFraming}) sent as soon as it is produced.
 * <p>
 * A {@link dev.persistentconnection.tasks.TaskException}, an exception annotated with
 * {@link TaskErrorCode @TaskErrorCode}, or one a {@link TaskExceptionMapper} bean maps, answers with an error code;
 * any other exception is a serious failure of the task: logged with the client and the task, and the client is
 * disconnected.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective(TaskMappingReflectiveProcessor.class)
public @interface TaskMapping {

    /**
     * The task code, 0 to {@value dev.persistentconnection.tasks.TaskServer#MAX_USER_TASK_CODE}; codes above are
     * reserved for the protocol. Two methods for one code fail the startup.
     */
    int code();

    /** A name for logs, metrics and traces; defaults to {@code bean.method}. */
    String name() default "";
}
