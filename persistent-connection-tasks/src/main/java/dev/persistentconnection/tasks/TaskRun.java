package dev.persistentconnection.tasks;

/**
 * Computes a task's answer, on the server's task executor. It streams its response
 * with {@link TaskContext#write}; returning normally ends the response (OK with the end marker). Long-running
 * work should poll {@link TaskContext#isCancelled()} or react to the thread interrupt that a CANCEL causes.
 */
@FunctionalInterface
public interface TaskRun {
    void run(TaskContext context) throws Exception;
}
