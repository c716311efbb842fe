package dev.persistentconnection.spring.client;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread of every {@link TaskTemplate} of a context for what their calls wait on besides the connection
 * and the task: the short pause before a call looks again for a connection that was closing (the deadlines
 * themselves are the connection's {@code connectedWithin} and the task's timeout). A holder, so that the context
 * has no {@code ScheduledExecutorService} bean to confuse Boot's own scheduling with. Closed with the context.
 */
public final class TaskDeadlineTimer implements AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;

    public TaskDeadlineTimer() {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "task-call-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /** The executor deadlines are scheduled on. */
    public ScheduledExecutorService executor() {
        return executor;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
