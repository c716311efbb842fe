package dev.persistentconnection.transports;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands the messages of one session to its handler, one at a time and in order: on the calling (I/O) thread, or
 * drained by one task at a time on an executor. {@code done} runs after each message is handled, so the
 * transport can read the next (back-pressure).
 */
final class Inbound {
    private static final System.Logger LOG = System.getLogger(MessageHandler.class.getName());

    private final SessionOptions options;
    private final MessageSession session;
    private final Runnable onHandlerFailure;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean draining;

    Inbound(SessionOptions options, MessageSession session, Runnable onHandlerFailure) {
        this.options = options;
        this.session = session;
        this.onHandlerFailure = onHandlerFailure;
    }

    void opened() {
        submit(() -> run(() -> options.handler().onOpen(session), "opening"), () -> {});
    }

    void message(Message message, Runnable done) {
        if (options.executor() == null) {
            // The common case, on the I/O thread: no task, no allocation.
            try {
                options.handler().onMessage(session, message);
            } catch (Exception | Error e) {
                failed(e, "a message");
            } finally {
                done.run();
            }
            return;
        }
        submit(() -> run(() -> options.handler().onMessage(session, message), "a message"), done);
    }

    /** Messages waiting for the handler (0 when it runs on the I/O thread). */
    synchronized int queued() {
        return queue.size();
    }

    private void submit(Runnable work, Runnable done) {
        Executor executor = options.executor();
        if (executor == null) {
            try {
                work.run();
            } finally {
                done.run();
            }
            return;
        }
        synchronized (this) {
            queue.add(() -> {
                try {
                    work.run();
                } finally {
                    done.run();
                }
            });
            if (draining) {
                return;
            }
            draining = true;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                draining = false;
                queue.clear();
            }
            LOG.log(
                    System.Logger.Level.WARNING,
                    "The handler executor of " + options.name() + " refused work; closing the session",
                    e);
            session.close();
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            next.run();
        }
    }

    private interface Call {
        void call() throws Exception;
    }

    private void run(Call call, String what) {
        if (options.executor() != null && session.isClosed()) {
            return; // queued before the close: the session is gone, so is the point of handling it
        }
        try {
            call.call();
        } catch (Exception | Error e) {
            failed(e, what);
        }
    }

    private void failed(Throwable e, String what) {
        if (e instanceof Error && !(e instanceof AssertionError) && !(e instanceof StackOverflowError)) {
            throw (Error) e;
        }
        if (options.onHandlerError() == OnHandlerError.RECONNECT) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "The handler of " + options.name() + " failed on " + what + "; closing the session to reconnect",
                    e);
            onHandlerFailure.run();
        } else {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "The handler of " + options.name() + " failed on " + what + "; the connection goes on",
                    e);
        }
    }
}
