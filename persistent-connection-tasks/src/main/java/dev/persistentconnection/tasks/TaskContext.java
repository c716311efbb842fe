package dev.persistentconnection.tasks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * What a running task sees: its identity, its cancellation signal, and the stream its answer goes to.
 *
 * <p>Writes are sent as OK chunk frames as they are made (split to the negotiated frame size). A write blocks
 * while the connection's outbound buffer is above its high-water mark, so a fast producer and a slow client use
 * bounded memory. A write fails with {@link ConnectionLostException} once the connection is closed, and with
 * {@link java.util.concurrent.CancellationException} once the task is cancelled.
 */
public interface TaskContext {

    /** The client's task id. */
    int taskId();

    /** The task code. */
    int code();

    /** The client that sent the task. */
    ConnectedClient client();

    /** True once the client cancelled the task, the client was cancelled as a whole, or the connection closed. */
    boolean isCancelled();

    /** Sends {@code bytes} as part of the answer. */
    void write(byte[] bytes) throws IOException, InterruptedException;

    /** Sends {@code length} bytes from {@code offset} as part of the answer. */
    void write(byte[] bytes, int offset, int length) throws IOException, InterruptedException;

    /** Sends the remaining bytes of {@code buffer} as part of the answer. */
    void write(ByteBuffer buffer) throws IOException, InterruptedException;

    /** The answer as an {@link OutputStream} (each write is a chunk; an interrupt becomes an IOException). */
    OutputStream outputStream();
}
