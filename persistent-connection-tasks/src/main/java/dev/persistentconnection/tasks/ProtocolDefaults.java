package dev.persistentconnection.tasks;

import java.time.Duration;

/**
 * The protocol's defaults and the checks of every setting, in one place for both sides: {@link TaskServer.Builder}
 * and {@link TaskClientOptions.Builder} start from these values and validate through these methods, so a limit
 * cannot drift between the server and the client. {@link TaskServer}'s public {@code DEFAULT_*} constants are these
 * values. (The starter's property defaults are literals, for its IDE metadata; starter tests assert they equal
 * these.)
 */
final class ProtocolDefaults {
    /** Write silence after which a side sends PING. */
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    /** Read silence after which a side considers its peer dead. */
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(30);
    /** The largest frame a side accepts (length prefix value): 1 MiB. */
    static final int MAX_FRAME_SIZE = 1 << 20;

    /** Client: bound on TCP connect plus the TLS and protocol handshakes. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Client: the time a task may wait for its final answer. */
    static final Duration TASK_TIMEOUT = Duration.ofMinutes(10);
    /** Client: the largest answer {@link TaskClient#submit} aggregates: 64 MiB. */
    static final int MAX_RESPONSE_SIZE = 64 << 20;

    /** Server: idle time (no task in flight) after which a client is disconnected. */
    static final Duration WAIT_TIMEOUT = Duration.ofMinutes(5);
    /** Server: the time a started frame, or the handshake, may take to arrive. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** Server: the time a write may take. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    /** Server: how long an address may not connect after one of its connections stalled a write (doubling). */
    static final Duration STALLED_WRITE_BACKOFF = Duration.ofSeconds(1);
    /** Server: tasks one client may have in flight. */
    static final int MAX_TASKS_IN_FLIGHT = 64;
    /** Server: connections at once. */
    static final int MAX_CLIENTS = 1024;

    private ProtocolDefaults() {}

    static Duration positive(Duration value, String name) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    /** A frame size either side may announce: at least {@link Handshake#MIN_FRAME_SIZE}. */
    static int frameSize(int bytes) {
        if (bytes < Handshake.MIN_FRAME_SIZE) {
            throw new IllegalArgumentException(
                    "maxFrameSize must be at least " + Handshake.MIN_FRAME_SIZE + ": " + bytes);
        }
        return bytes;
    }

    /** The timeout must outlast the interval, or a quiet but healthy peer would be dropped. */
    static void heartbeat(Duration interval, Duration timeout) {
        if (timeout.compareTo(interval) <= 0) {
            throw new IllegalArgumentException(
                    "heartbeatTimeout (" + timeout + ") must be longer than heartbeatInterval (" + interval + ")");
        }
    }
}
