package dev.persistentconnection.spring.server;

import java.util.OptionalInt;

/**
 * Maps exceptions thrown by handler methods to error codes, for exception types you cannot annotate with
 * {@link TaskErrorCode @TaskErrorCode}. Every bean of this type is asked, in order; the first code wins.
 */
@FunctionalInterface
public interface TaskExceptionMapper {

    /**
     * The error code to answer with (0 to {@value dev.persistentconnection.tasks.TaskException#MAX_USER_CODE}), or
     * empty to leave the exception to the next mapper (and, unmapped, to the serious-failure path).
     */
    OptionalInt errorCode(Throwable exception);
}
