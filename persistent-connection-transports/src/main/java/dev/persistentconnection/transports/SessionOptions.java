package dev.persistentconnection.transports;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;

/** What every transport's sessions share; set through {@link SessionOptions.Builder}. */
final class SessionOptions {
    static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;
    static final long DEFAULT_OUTBOUND_BUFFER_SIZE = 4L << 20;
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_SEND_WAIT_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final MessageHandler handler;
    private final Executor executor;
    private final OnHandlerError onHandlerError;
    private final int maxMessageSize;
    private final long outboundBufferSize;
    private final WhenFull whenFull;
    private final Duration sendWaitTimeout;
    private final Duration connectTimeout;
    private final SSLContext sslContext;

    private SessionOptions(Builder<?> b) {
        this.name = b.name;
        this.handler = Objects.requireNonNull(b.handler, "a MessageHandler is needed");
        this.executor = b.executor;
        this.onHandlerError = b.onHandlerError;
        this.maxMessageSize = b.maxMessageSize;
        this.outboundBufferSize = b.outboundBufferSize;
        this.whenFull = b.whenFull;
        this.sendWaitTimeout = b.sendWaitTimeout;
        this.connectTimeout = b.connectTimeout;
        this.sslContext = b.sslContext;
    }

    String name() {
        return name;
    }

    MessageHandler handler() {
        return handler;
    }

    Executor executor() {
        return executor;
    }

    OnHandlerError onHandlerError() {
        return onHandlerError;
    }

    int maxMessageSize() {
        return maxMessageSize;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    SSLContext sslContext() {
        return sslContext;
    }

    OutboundBuffer newOutboundBuffer(String sessionName) {
        return new OutboundBuffer(sessionName, outboundBufferSize, whenFull, OutboundBuffer.nanos(sendWaitTimeout));
    }

    /**
     * The settings every transport's connector builder has.
     *
     * @param <B> the connector's own builder
     */
    abstract static class Builder<B extends Builder<B>> {
        private String name = "connection";
        private MessageHandler handler;
        private Executor executor;
        private OnHandlerError onHandlerError = OnHandlerError.LOG;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private long outboundBufferSize = DEFAULT_OUTBOUND_BUFFER_SIZE;
        private WhenFull whenFull = WhenFull.FAIL;
        private Duration sendWaitTimeout = DEFAULT_SEND_WAIT_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private SSLContext sslContext;

        Builder(MessageHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** The name that log lines about these sessions carry, e.g. the connection's name. */
        public B name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return self();
        }

        /**
         * Runs the handler on {@code executor} instead of the I/O thread, still one message at a time and in
         * order per session; {@code null} (the default) runs it on the I/O thread.
         */
        public B handlerExecutor(Executor executor) {
            this.executor = executor;
            return self();
        }

        /** What a session does when its handler throws; default {@link OnHandlerError#LOG}. */
        public B onHandlerError(OnHandlerError policy) {
            this.onHandlerError = Objects.requireNonNull(policy, "policy");
            return self();
        }

        /**
         * The largest message (WebSocket message after joining its fragments, TCP frame or line) accepted; a
         * bigger one closes the session with the reason. Default 1 MiB.
         */
        public B maxMessageSize(int bytes) {
            this.maxMessageSize = positive(bytes, "maxMessageSize");
            return self();
        }

        /** How many bytes accepted by {@code send} may wait to be written; default 4 MiB. */
        public B outboundBufferSize(long bytes) {
            this.outboundBufferSize = positive(bytes, "outboundBufferSize");
            return self();
        }

        /** What a send into a full outbound buffer does; default {@link WhenFull#FAIL}. */
        public B whenFull(WhenFull whenFull) {
            this.whenFull = Objects.requireNonNull(whenFull, "whenFull");
            return self();
        }

        /** With {@link WhenFull#WAIT}, the longest a send waits for room; default 10 s. */
        public B sendWaitTimeout(Duration timeout) {
            this.sendWaitTimeout = nonNegative(timeout, "sendWaitTimeout");
            return self();
        }

        /** How long opening a connection (TCP connect, TLS and WebSocket handshakes) may take; default 10 s. */
        public B connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return self();
        }

        /** Connects over TLS with this context (e.g. a Spring SSL bundle's); {@code null} for none. */
        public B sslContext(SSLContext context) {
            this.sslContext = context;
            return self();
        }

        SessionOptions sessionOptions() {
            return new SessionOptions(this);
        }

        static int positive(int value, String what) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, was " + value);
            }
            return value;
        }

        static long positive(long value, String what) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, was " + value);
            }
            return value;
        }

        static Duration positive(Duration value, String what) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + value);
            }
            return value;
        }

        static Duration nonNegative(Duration value, String what) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, was " + value);
            }
            return value;
        }
    }
}
