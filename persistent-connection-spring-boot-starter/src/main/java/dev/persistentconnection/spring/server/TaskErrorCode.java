package dev.persistentconnection.spring.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The error code a handler method answers with when it throws this exception (or a subclass): the client's call
 * fails with a {@link dev.persistentconnection.tasks.TaskException} carrying the code and the exception's message.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface TaskErrorCode {

    /** The error code, 0 to {@value dev.persistentconnection.tasks.TaskException#MAX_USER_CODE}. */
    int value();
}
