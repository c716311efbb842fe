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
    private static final TaskClientOptions DEFAULTS = new Builder().build();

    private final Duration connectTimeout;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final Duration taskTimeout;
    private final int maxFrameSize;
    private final int maxResponseSize;
    private final ByteOrder byteOrder;
    private final int protocolVersion;
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
        this.protocolVersion = b.protocolVersion;
        this.sslContext = b.sslContext;
        this.eventLoopGroup = b.eventLoopGroup;
    }

    /** The defaults: every value as documented on its {@link Builder} setter. */
    public static TaskClientOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.connectTimeout = connectTimeout;
        b.heartbeatInterval = heartbeatInterval;
        b.heartbeatTimeout = heartbeatTimeout;
        b.taskTimeout = taskTimeout;
        b.maxFrameSize = maxFrameSize;
        b.maxResponseSize = maxResponseSize;
        b.byteOrder = byteOrder;
        b.protocolVersion = protocolVersion;
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

    /** The highest protocol version the client asks for in the handshake (1 or 2). */
    public int protocolVersion() {
        return protocolVersion;
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
        private Duration connectTimeout = ProtocolDefaults.CONNECT_TIMEOUT;
        private Duration heartbeatInterval = ProtocolDefaults.HEARTBEAT_INTERVAL;
        private Duration heartbeatTimeout = ProtocolDefaults.HEARTBEAT_TIMEOUT;
        private Duration taskTimeout = ProtocolDefaults.TASK_TIMEOUT;
        private int maxFrameSize = ProtocolDefaults.MAX_FRAME_SIZE;
        private int maxResponseSize = ProtocolDefaults.MAX_RESPONSE_SIZE;
        private ByteOrder byteOrder = ByteOrder.BIG_ENDIAN;
        private int protocolVersion = Handshake.VERSION;
        private SslContext sslContext;
        private EventLoopGroup eventLoopGroup;

        private Builder() {}

        /** Bound on TCP connect plus the TLS and protocol handshakes; default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = ProtocolDefaults.positive(timeout, "connectTimeout");
            return this;
        }

        /** Write silence after which the client sends PING; default 10 s. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = ProtocolDefaults.positive(interval, "heartbeatInterval");
            return this;
        }

        /** Read silence after which the client closes the connection; default 30 s, longer than the interval. */
        public Builder heartbeatTimeout(Duration timeout) {
            this.heartbeatTimeout = ProtocolDefaults.positive(timeout, "heartbeatTimeout");
            return this;
        }

        /** The time a task may wait for its final answer, unless given per task; default 10 min. */
        public Builder taskTimeout(Duration timeout) {
            this.taskTimeout = ProtocolDefaults.positive(timeout, "taskTimeout");
            return this;
        }

        /** The largest frame the client accepts (the server splits its answers to fit); default 1 MiB, at least 256. */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = ProtocolDefaults.frameSize(bytes);
            return this;
        }

        /** The largest answer {@link TaskClient#submit} aggregates, beyond which the task fails; default 64 MiB. */
        public Builder maxResponseSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxResponseSize must not be negative: " + bytes);
            }
            this.maxResponseSize = bytes;
            return this;
        }

        /**
         * The highest protocol version to speak: 2 (the default: task metadata, for example a trace context) or 1.
         * The connection speaks the lower of the client's and the server's.
         */
        public Builder protocolVersion(int version) {
            if (version < Handshake.MIN_VERSION || version > Handshake.VERSION) {
                throw new IllegalArgumentException("protocolVersion must be 1 or 2: " + version);
            }
            this.protocolVersion = version;
            return this;
        }

        /** The byte order the client asks for in the handshake; default big-endian. */
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

        /**
         * The options.
         *
         * @throws IllegalArgumentException if the heartbeat timeout is not longer than the interval
         */
        public TaskClientOptions build() {
            ProtocolDefaults.heartbeat(heartbeatInterval, heartbeatTimeout);
            return new TaskClientOptions(this);
        }
    }
}
