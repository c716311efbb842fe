package dev.persistentconnection.tasks;

import java.net.InetAddress;
import java.util.Locale;

/**
 * Observes what a {@link TaskServer} refuses, for metrics and logs, like the Go asyncserver's {@code SetMetrics}:
 * set one with {@link TaskServer.Builder#listener}. The server calls it on an I/O thread, so it must return at once
 * and must not block; an exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface TaskServerListener {

    /** Ignores everything: the default. */
    TaskServerListener NONE = (reason, remoteAddress, detail) -> {};

    /**
     * The server refused a connection or a task, closed a client for breaking the protocol, or deferred a client's
     * tasks.
     *
     * @param remoteAddress the client's IP address
     * @param detail what happened, in words (as in the server's log)
     */
    void rejected(Rejection reason, InetAddress remoteAddress, String detail);

    /** Why: a small fixed set, fit to tag a metric with ({@link #tag()}). */
    enum Rejection {
        /** A connection refused in the handshake: the server had {@code maxClients} clients. */
        SERVER_FULL,
        /** A connection refused in the handshake: its address had {@code maxClientsPerAddress} connections. */
        ADDRESS_FULL,
        /** A connection reset as soon as accepted: its address was over {@code maxAcceptRatePerAddress}. */
        ACCEPT_RATE,
        /**
         * A connection reset as soon as accepted: a connection from its address was recently closed for the write
         * timeout (it did not read its answers), and the address is within its {@code stalledWriteBackoff}.
         */
        STALLED_WRITE_BACKOFF,
        /**
         * A connection that had sent no task yet, closed because the server was full and a newcomer needed its
         * place.
         */
        EVICTED,
        /** A hello the server does not accept: bad magic, unsupported version, byte order or frame size. */
        HANDSHAKE_REFUSED,
        /** A connection closed because its hello did not arrive within the read timeout. */
        HANDSHAKE_TIMEOUT,
        /** A task refused with the error {@code UNKNOWN_TASK_CODE}: no handler for its code. */
        UNKNOWN_TASK_CODE,
        /** A task refused with the error {@code SERVER_BUSY}: the task executor refused it. */
        SERVER_BUSY,
        /** A client closed for a frame whose length prefix exceeds {@code maxFrameSize}. */
        FRAME_TOO_LARGE,
        /** A client closed because a frame it had started did not arrive whole within the read timeout. */
        READ_TIMEOUT,
        /** A client closed for any other protocol violation (invalid frame, reused task id, metadata too large). */
        PROTOCOL_ERROR,
        /**
         * Not a refusal: a client reached {@code maxTasksInFlightPerClient}, so the server stopped reading from it
         * until one of its tasks ends (its further tasks wait in the socket, nothing is lost).
         */
        IN_FLIGHT_LIMIT,
        /**
         * Not a refusal: a client's address went over {@code maxReadRatePerAddress}, so the server stopped reading
         * from the client until the address's budget refilled.
         */
        READ_RATE;

        /** The reason in lower-case words joined by hyphens ({@code server-full}), for a metric tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
