package dev.persistentconnection.tasks;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CancellationException;

/**
 * One task in flight on the server: runs the handler and its run function on the task executor, streams the
 * answer, and turns the outcome into the final frame. Cancellation sets a flag and interrupts the running thread.
 */
final class RunningTask implements Runnable, TaskContext {
    private static final byte[] NO_DATA = new byte[0];
    private final ClientSession session;
    private final TaskServer.Registration registration;
    private final int taskId;
    private final int code;
    private final long sequence;
    private final java.util.Map<String, String> metadata;
    private final Instant timestamp = Instant.now();
    private byte[] payload;
    private volatile boolean cancelled;
    private volatile TaskRequest request;
    private Thread thread;
    private boolean done;
    /** Run by {@link #runOnIoThread()}: never interrupted, never waits for writability. */
    private boolean onIoThread;

    RunningTask(
            ClientSession session,
            TaskServer.Registration registration,
            int taskId,
            int code,
            byte[] payload,
            java.util.Map<String, String> metadata,
            long sequence) {
        this.metadata = metadata;
        this.session = session;
        this.registration = registration;
        this.taskId = taskId;
        this.code = code;
        this.payload = payload;
        this.sequence = sequence;
    }

    long sequence() {
        return sequence;
    }

    Instant timestamp() {
        return timestamp;
    }

    String name() {
        return registration.name();
    }

    Object runData() {
        TaskRequest r = request;
        return r == null ? null : r.runData();
    }

    void cancel() {
        synchronized (this) {
            if (cancelled || done) {
                return;
            }
            cancelled = true;
            if (thread != null && !onIoThread) {
                thread.interrupt();
            }
        }
    }

    /**
     * Runs the handler and its run function right here, on the connection's I/O thread (the server's
     * {@code runHandlersOnIoThread} mode), and reports a run that took long enough to have blocked the thread.
     */
    void runOnIoThread() {
        onIoThread = true;
        long start = System.nanoTime();
        run();
        long took = System.nanoTime() - start;
        if (took >= TaskServer.IO_THREAD_BLOCKING_THRESHOLD_NANOS) {
            session.server().blockedIoThread(registration, took);
        }
    }

    @Override
    public void run() {
        synchronized (this) {
            if (cancelled) {
                done = true;
                session.finish(this, cancelledFrame());
                return;
            }
            thread = Thread.currentThread();
        }
        Throwable failure = null;
        byte[] wholeAnswer = null;
        try {
            TaskRequest r = new TaskRequest(session.view(), taskId, code, payload, metadata);
            payload = null;
            request = r;
            TaskRun run = registration.handler().handle(r);
            if (run instanceof WholeAnswer whole) {
                wholeAnswer = whole.compute();
                if (wholeAnswer.length > session.maxChunk()) {
                    write(wholeAnswer); // too big for one frame: chunks, then the empty end frame
                    wholeAnswer = null;
                }
            } else if (run != null) {
                run.run(this);
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            synchronized (this) {
                thread = null;
                done = true;
            }
            Thread.interrupted(); // do not leak a late cancel's interrupt into the pool thread's next task
        }
        if (cancelled) {
            session.finish(this, cancelledFrame());
        } else if (failure == null) {
            session.finish(this, new Frame.Ok(taskId, true, wholeAnswer != null ? wholeAnswer : NO_DATA));
        } else if (failure instanceof TaskException e) {
            session.finish(this, new Frame.Error(taskId, e.errorCode(), ClientSession.truncate(e.getMessage())));
        } else if (failure instanceof ConnectionLostException
                && !session.channel().isActive()) {
            session.finish(this, cancelledFrame());
        } else {
            session.fail(this, failure);
            if (failure instanceof Error error && !(failure instanceof AssertionError)) {
                throw error;
            }
        }
    }

    private Frame cancelledFrame() {
        return new Frame.Error(taskId, TaskException.CANCELLED, "task cancelled");
    }

    // ---- TaskContext ----

    @Override
    public int taskId() {
        return taskId;
    }

    @Override
    public int code() {
        return code;
    }

    @Override
    public ConnectedClient client() {
        return session.view();
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void write(byte[] bytes) throws IOException, InterruptedException {
        write(bytes, 0, bytes.length);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException, InterruptedException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        int max = session.maxChunk();
        while (length > 0) {
            int n = Math.min(length, max);
            awaitWritable();
            byte[] chunk = new byte[n];
            System.arraycopy(bytes, offset, chunk, 0, n);
            session.sendChunk(new Frame.Ok(taskId, false, chunk));
            offset += n;
            length -= n;
        }
    }

    @Override
    public void write(ByteBuffer buffer) throws IOException, InterruptedException {
        int max = session.maxChunk();
        while (buffer.hasRemaining()) {
            int n = Math.min(buffer.remaining(), max);
            awaitWritable();
            byte[] chunk = new byte[n];
            buffer.get(chunk);
            session.sendChunk(new Frame.Ok(taskId, false, chunk));
        }
    }

    private void awaitWritable() throws IOException, InterruptedException {
        while (true) {
            if (cancelled) {
                throw new CancellationException("task " + Integer.toUnsignedString(taskId) + " cancelled");
            }
            if (!session.channel().isActive()) {
                throw new ConnectionLostException("connection to the client closed");
            }
            if (onIoThread) {
                return; // the I/O thread must not wait: the answer is buffered and written after the run
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (session.answers().accepts()) {
                return;
            }
            session.answers().await();
        }
    }

    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    RunningTask.this.write(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing the task's answer");
                }
            }
        };
    }
}
