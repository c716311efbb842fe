package dev.persistentconnection.tasks;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link TaskClient} connects and behaves. Immutable; build with {@link #builder()}, start from
 * {@link #defaults()}, or adjust a copy with {@link #toBuilder()}.
 */
public final class TaskClientOptions {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(30);
    /** The default time a task may wait for its final answer. */
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 20;
    /** The default limit on an aggregated ({@link TaskClient#submit}) response: 64 MiB. */
    public static final int DEFAULT_MAX_RESPONSE_SIZE = 64 << 20;

    private static final TaskClientOptions DEFAULTS = new Builder().build();

    private final Duration connectTimeout;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final Duration taskTimeout;
    private final int maxFrameSize;
    private final int maxResponseSize;
    private final ByteOrder byteOrder;
    private final SslContext sslContext;
    private final EventLoopGroup eventLoopGroup;

    private TaskClientOptions(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.heartbeatTimeout = b.heartbeatTimeout;
        this.taskTimeout = b.taskTimeout;
        this.maxFrameSize = b.maxFrameSize;
        this.maxResponseSize = b.maxResponseSize;
        this.byteOrder = b.byteOrder;
        this.sslContext = b.sslContext;
        this.eventLoopGroup = b.eventLoopGroup;
    }

    public static TaskClientOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.connectTimeout = connectTimeout;
        b.heartbeatInterval = heartbeatInterval;
        b.heartbeatTimeout = heartbeatTimeout;
        b.taskTimeout = taskTimeout;
        b.maxFrameSize = maxFrameSize;
        b.maxResponseSize = maxResponseSize;
        b.byteOrder = byteOrder;
        b.sslContext = sslContext;
        b.eventLoopGroup = eventLoopGroup;
        return b;
    }

    /** Bound on TCP connect plus TLS and protocol handshakes. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Write silence after which the client sends PING. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** Read silence after which the client closes the connection (also bounds the arrival of a started frame). */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** Default time a task may wait for its final answer. */
    public Duration taskTimeout() {
        return taskTimeout;
    }

    /** Largest frame the client accepts (announced to the server, which splits its answers to fit). */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Largest answer {@link TaskClient#submit} aggregates; beyond, the task fails. */
    public int maxResponseSize() {
        return maxResponseSize;
    }

    /** The byte order the client asks for in the handshake. */
    public ByteOrder byteOrder() {
        return byteOrder;
    }

    /** The client TLS context, if TLS is on. */
    public Optional<SslContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** An event loop group the caller owns; when empty, {@link TaskConnector} creates and owns one. */
    public Optional<EventLoopGroup> eventLoopGroup() {
        return Optional.ofNullable(eventLoopGroup);
    }

    /** Builder of {@link TaskClientOptions}. */
    public static final class Builder {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration heartbeatTimeout = DEFAULT_HEARTBEAT_TIMEOUT;
        private Duration taskTimeout = DEFAULT_TASK_TIMEOUT;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int maxResponseSize = DEFAULT_MAX_RESPONSE_SIZE;
        private ByteOrder byteOrder = ByteOrder.BIG_ENDIAN;
        private SslContext sslContext;
        private EventLoopGroup eventLoopGroup;

        private Builder() {
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = TaskServer.Builder.positive(timeout, "connectTimeout");
            return this;
        }

        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = TaskServer.Builder.positive(interval, "heartbeatInterval");
            return this;
        }

        public Builder heartbeatTimeout(Duration timeout) {
            this.heartbeatTimeout = TaskServer.Builder.positive(timeout, "heartbeatTimeout");
            return this;
        }

        public Builder taskTimeout(Duration timeout) {
            this.taskTimeout = TaskServer.Builder.positive(timeout, "taskTimeout");
            return this;
        }

        /** At least 256 bytes. */
        public Builder maxFrameSize(int bytes) {
            if (bytes < Handshake.MIN_FRAME_SIZE) {
                throw new IllegalArgumentException("maxFrameSize must be at least " + Handshake.MIN_FRAME_SIZE);
            }
            this.maxFrameSize = bytes;
            return this;
        }

        public Builder maxResponseSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxResponseSize must not be negative");
            }
            this.maxResponseSize = bytes;
            return this;
        }

        public Builder byteOrder(ByteOrder order) {
            this.byteOrder = Objects.requireNonNull(order);
            return this;
        }

        /** A client {@link SslContext} to connect over TLS; {@code null} for plain TCP. */
        public Builder sslContext(SslContext context) {
            if (context != null && !context.isClient()) {
                throw new IllegalArgumentException("a client SslContext is needed");
            }
            this.sslContext = context;
            return this;
        }

        /** Share an event loop group the caller owns (and shuts down); {@code null} to let the connector own one. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        public TaskClientOptions build() {
            if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
                throw new IllegalArgumentException("heartbeatTimeout (" + heartbeatTimeout
                        + ") must be longer than heartbeatInterval (" + heartbeatInterval + ")");
            }
            return new TaskClientOptions(this);
        }
    }
}
