package dev.persistentconnection.tasks;

import java.net.SocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The server's view of one client connection. Thread-safe.
 */
public interface ConnectedClient {

    /** The metadata of one task in flight: its id, code and arrival time. */
    record TaskMetadata(int taskId, int code, Instant timestamp) {}

    /** The client's address. */
    SocketAddress remoteAddress();

    /** The server's address of this connection. */
    SocketAddress localAddress();

    /** When the connection was accepted. */
    Instant connectedAt();

    /** The protocol version of the connection: 2 when both sides speak it (task metadata), else 1. */
    int protocolVersion();

    /** The byte order the client chose in the handshake. */
    ByteOrder byteOrder();

    /** The ids of the tasks in flight, in increasing unsigned order. */
    List<Integer> tasks();

    /** The codes of the tasks in flight, oldest first. */
    List<Integer> taskCodes();

    /** The ids of the tasks in flight with this code, in increasing unsigned order. */
    List<Integer> tasksWithCode(int code);

    /** The metadata of a task in flight. */
    Optional<TaskMetadata> metadata(int taskId);

    /** The run data a handler attached to a task in flight. */
    Optional<Object> runData(int taskId);

    /** Cancels one task (no-op if unknown or already cancelled); the run function sees it as cancelled. */
    void cancel(int taskId);

    /** Cancels every task in flight. */
    void cancelAll();

    /**
     * Starts a graceful disconnection: sends GOODBYE, stops reading, lets tasks in flight finish and closes when
     * they are done or after {@code grace}, whichever comes first (tasks still running then are cancelled). A
     * second call can only shorten the deadline. Does not block.
     */
    void disconnect(Duration grace);

    /** Closes the connection now, cancelling every task in flight. Does not block. */
    void close();

    /** True once the connection is closed. */
    boolean isClosed();

    /** Why the connection closed (or is closing), if it did. */
    Optional<String> closeReason();
}
