package dev.persistentconnection.spring.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of the persistent-connection starter.
 * <p>
 * Every connection under {@code persistent-connection.connections.<name>} starts from the values under
 * {@code persistent-connection.defaults} and overrides what it sets itself. A setting nobody sets is {@code null}
 * here and takes its built-in default from {@link dev.persistentconnection.spring.PersistentConnectionSettings}
 * (the one place the defaults are written). This tree is bound once, as this bean; the starter derives every
 * connection's settings from it.
 */
@ConfigurationProperties("persistent-connection")
public class PersistentConnectionProperties {

    /** Whether to create the configured persistent connections at all. */
    private boolean enabled = true;

    /**
     * How long to wait, at shutdown, for every connection to finish closing before the context goes on
     * closing without it.
     */
    private Duration shutdownTimeout = Duration.ofSeconds(10);

    /** Settings applied to every connection unless the connection sets them itself. */
    private Connection defaults = new Connection();

    /** The named connections, one {@code PersistentConnection} bean each, qualified by the name. */
    private Map<String, Connection> connections = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public Connection getDefaults() {
        return defaults;
    }

    public void setDefaults(Connection defaults) {
        this.defaults = defaults;
    }

    public Map<String, Connection> getConnections() {
        return connections;
    }

    public void setConnections(Map<String, Connection> connections) {
        this.connections = connections;
    }

    /** Settings of one connection (also the shape of {@code persistent-connection.defaults}). */
    public static class Connection {

        /** Whether this connection is created. Default: true. */
        private @Nullable Boolean enabled;

        /**
         * Name of the server, used in logs, events, health and metrics. Defaults to the connection's name.
         */
        private @Nullable String serverName;

        /**
         * Addresses of the server as host:port ([v6-address]:port for IPv6). One address is used per attempt,
         * in round-robin order.
         */
        private @Nullable List<String> addresses;

        /**
         * Delay between the start of one attempt and the start of the next one, and the minimum lifetime of a
         * connection below which a reconnection waits out the rest of the delay. Default: 10s.
         */
        private @Nullable Duration retryDelay;

        /**
         * Random variation of each retry delay, as a fraction in [0, 1): 0.3 gives a delay uniform in
         * [0.7, 1.3] x the delay. 0 means no randomization. Default: 0.3.
         */
        private @Nullable Double jitter;

        /** Timeout of one connection attempt (built-in connector). Default: 10s. */
        private @Nullable Duration connectTimeout;

        /**
         * Deadline of a typed call (the connection's TaskTemplate) that gives none: it covers waiting for the
         * connection as well as the task itself. Default: 10s.
         */
        private @Nullable Duration deadline;

        /**
         * Spreads out the reconnects after a long-lived connection drops: instead of at once, the reconnect waits a
         * random time in [0, reconnect-jitter], so the clients of a restarted server do not all come back in the
         * same instant. Default: 0 (reconnect at once).
         */
        private @Nullable Duration reconnectJitter;

        /** How many recent events the actuator endpoint shows for this connection, 0 to 1000. Default: 20. */
        private @Nullable Integer eventHistorySize;

        /**
         * While the connection keeps failing, how often to log one INFO line "still failing: N attempts over D,
         * last error E". Default: 5m.
         */
        private @Nullable Duration stillFailingLogInterval;

        private final Health health = new Health();

        /** Exponential back-off of the retry delay after consecutive failures. */
        private final Backoff backoff = new Backoff();

        /** Heartbeat of an established connection (built-in connector). */
        private final Heartbeat heartbeat = new Heartbeat();

        /** TLS settings. */
        private final Ssl ssl = new Ssl();

        /** Address look-up through Spring Cloud's DiscoveryClient, instead of fixed addresses. */
        private final Discovery discovery = new Discovery();

        /**
         * A WebSocket connection instead of the task protocol (needs persistent-connection-transports): the
         * connection's bean is a PersistentConnection<URI, WebSocketSession>, and a MessageHandler bean
         * qualified with the connection's name receives its messages.
         */
        private @Nullable WebSocket websocket;

        /**
         * A plain TCP connection instead of the task protocol (needs persistent-connection-transports): the
         * connection's bean is a PersistentConnection<InetSocketAddress, TcpSession>, and a MessageHandler bean
         * qualified with the connection's name receives its messages.
         */
        private @Nullable Tcp tcp;

        public @Nullable Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(@Nullable Boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable String getServerName() {
            return serverName;
        }

        public void setServerName(@Nullable String serverName) {
            this.serverName = serverName;
        }

        public @Nullable List<String> getAddresses() {
            return addresses;
        }

        public void setAddresses(@Nullable List<String> addresses) {
            this.addresses = addresses;
        }

        public @Nullable Duration getRetryDelay() {
            return retryDelay;
        }

        public void setRetryDelay(@Nullable Duration retryDelay) {
            this.retryDelay = retryDelay;
        }

        public @Nullable Double getJitter() {
            return jitter;
        }

        public void setJitter(@Nullable Double jitter) {
            this.jitter = jitter;
        }

        public @Nullable Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(@Nullable Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public @Nullable Duration getDeadline() {
            return deadline;
        }

        public void setDeadline(@Nullable Duration deadline) {
            this.deadline = deadline;
        }

        public @Nullable Duration getReconnectJitter() {
            return reconnectJitter;
        }

        public void setReconnectJitter(@Nullable Duration reconnectJitter) {
            this.reconnectJitter = reconnectJitter;
        }

        public @Nullable Integer getEventHistorySize() {
            return eventHistorySize;
        }

        public void setEventHistorySize(@Nullable Integer eventHistorySize) {
            this.eventHistorySize = eventHistorySize;
        }

        public @Nullable Duration getStillFailingLogInterval() {
            return stillFailingLogInterval;
        }

        public void setStillFailingLogInterval(@Nullable Duration interval) {
            this.stillFailingLogInterval = interval;
        }

        public Health getHealth() {
            return health;
        }

        public Backoff getBackoff() {
            return backoff;
        }

        public Heartbeat getHeartbeat() {
            return heartbeat;
        }

        public Ssl getSsl() {
            return ssl;
        }

        public Discovery getDiscovery() {
            return discovery;
        }

        public @Nullable WebSocket getWebsocket() {
            return websocket;
        }

        public void setWebsocket(@Nullable WebSocket websocket) {
            this.websocket = websocket;
        }

        public @Nullable Tcp getTcp() {
            return tcp;
        }

        public void setTcp(@Nullable Tcp tcp) {
            this.tcp = tcp;
        }
    }

    /** Exponential back-off: the n-th consecutive failure waits retry-delay x multiplier^n, at most max-delay. */
    public static class Backoff {

        /** Factor applied to the retry delay per consecutive failure. 1 disables the back-off. Default: 1. */
        private @Nullable Double multiplier;

        /** Upper bound of the backed-off retry delay. Default: 5m. */
        private @Nullable Duration maxDelay;

        /**
         * How long a connection must stay up for the back-off to start again from the retry delay; a connection
         * that drops sooner counts as one more failure. Default: 1m.
         */
        private @Nullable Duration resetAfter;

        /**
         * How the delay grows: exponential (retry-delay x multiplier^n) or decorrelated-jitter (each delay random
         * in [retry-delay, 3 x the previous one], at most max-delay; the jitter fraction is not applied on top).
         * Default: exponential.
         */
        private @Nullable String strategy;

        public @Nullable Double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(@Nullable Double multiplier) {
            this.multiplier = multiplier;
        }

        public @Nullable Duration getMaxDelay() {
            return maxDelay;
        }

        public void setMaxDelay(@Nullable Duration maxDelay) {
            this.maxDelay = maxDelay;
        }

        public @Nullable Duration getResetAfter() {
            return resetAfter;
        }

        public void setResetAfter(@Nullable Duration resetAfter) {
            this.resetAfter = resetAfter;
        }

        public @Nullable String getStrategy() {
            return strategy;
        }

        public void setStrategy(@Nullable String strategy) {
            this.strategy = strategy;
        }
    }

    /** Heartbeats of an established connection (built-in connector). */
    /** How the connection's health indicator maps its state to a status. */
    public static class Health {

        /**
         * Grace after a connection that was up drops: it stays UP for this long while it reconnects, so a short
         * outage does not fail a readiness probe. Default: 0 (not UP as soon as it is not connected).
         */
        private @Nullable Duration downAfter;

        /** The status while the connection is retrying: DOWN or OUT_OF_SERVICE. Default: DOWN. */
        private @Nullable String statusWhileRetrying;

        /**
         * Whether losing this connection makes the application unhealthy. With false its health is UNKNOWN while it
         * is not connected (still with every detail), which never brings the aggregate status down. Default: true.
         */
        private @Nullable Boolean required;

        public @Nullable Duration getDownAfter() {
            return downAfter;
        }

        public void setDownAfter(@Nullable Duration downAfter) {
            this.downAfter = downAfter;
        }

        public @Nullable String getStatusWhileRetrying() {
            return statusWhileRetrying;
        }

        public void setStatusWhileRetrying(@Nullable String status) {
            this.statusWhileRetrying = status;
        }

        public @Nullable Boolean getRequired() {
            return required;
        }

        public void setRequired(@Nullable Boolean required) {
            this.required = required;
        }
    }

    public static class Heartbeat {

        /** Quiet time after which the client sends a heartbeat. Default: 10s. */
        private @Nullable Duration interval;

        /** Silence from the server after which the connection is considered dead and closed. Default: 30s. */
        private @Nullable Duration timeout;

        public @Nullable Duration getInterval() {
            return interval;
        }

        public void setInterval(@Nullable Duration interval) {
            this.interval = interval;
        }

        public @Nullable Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(@Nullable Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** TLS settings. */
    public static class Ssl {

        /** Name of the Spring SSL bundle (spring.ssl.bundle.*) to connect with TLS. Unset means plain TCP. */
        private @Nullable String bundle;

        public @Nullable String getBundle() {
            return bundle;
        }

        public void setBundle(@Nullable String bundle) {
            this.bundle = bundle;
        }
    }

    /** Address look-up through Spring Cloud's DiscoveryClient. */
    public static class Discovery {

        /**
         * Service id to look up in the DiscoveryClient before every attempt, rotating among the instances it
         * lists. Takes precedence over addresses. Needs spring-cloud-commons on the classpath.
         */
        private @Nullable String serviceId;

        public @Nullable String getServiceId() {
            return serviceId;
        }

        public void setServiceId(@Nullable String serviceId) {
            this.serviceId = serviceId;
        }
    }

    /** What the WebSocket and TCP transports share. */
    public abstract static class MessageTransport {

        /**
         * Largest message accepted (a WebSocket message with its fragments joined, a TCP line or frame); a
         * bigger one closes the connection, which reconnects, with the reason in the events and health.
         * Default: 1MB.
         */
        private @Nullable DataSize maxMessageSize;

        /** Bytes accepted by send and not yet written, at most; see when-full. Default: 4MB. */
        private @Nullable DataSize outboundBufferSize;

        /**
         * What a send into a full outbound buffer does: fail (its stage fails at once) or wait (the sending
         * thread waits for room, at most send-wait-timeout; never on the connection's own I/O thread).
         * Default: fail.
         */
        private @Nullable WhenFull whenFull;

        /** With when-full=wait, how long a send may wait for room in the outbound buffer. Default: 10s. */
        private @Nullable Duration sendWaitTimeout;

        /**
         * Where the handler runs: io (the connection's I/O thread; it must not block) or task-executor (the
         * application's task executor, still one message at a time and in order). Default: io.
         */
        private @Nullable HandlerThread handlerThread;

        /**
         * What a handler that throws does: log (log with the connection's name and go on) or reconnect (log,
         * close the connection and reconnect). Default: log.
         */
        private @Nullable HandlerFailure onHandlerError;

        public @Nullable DataSize getMaxMessageSize() {
            return maxMessageSize;
        }

        public void setMaxMessageSize(@Nullable DataSize maxMessageSize) {
            this.maxMessageSize = maxMessageSize;
        }

        public @Nullable DataSize getOutboundBufferSize() {
            return outboundBufferSize;
        }

        public void setOutboundBufferSize(@Nullable DataSize outboundBufferSize) {
            this.outboundBufferSize = outboundBufferSize;
        }

        public @Nullable WhenFull getWhenFull() {
            return whenFull;
        }

        public void setWhenFull(@Nullable WhenFull whenFull) {
            this.whenFull = whenFull;
        }

        public @Nullable Duration getSendWaitTimeout() {
            return sendWaitTimeout;
        }

        public void setSendWaitTimeout(@Nullable Duration sendWaitTimeout) {
            this.sendWaitTimeout = sendWaitTimeout;
        }

        public @Nullable HandlerThread getHandlerThread() {
            return handlerThread;
        }

        public void setHandlerThread(@Nullable HandlerThread handlerThread) {
            this.handlerThread = handlerThread;
        }

        public @Nullable HandlerFailure getOnHandlerError() {
            return onHandlerError;
        }

        public void setOnHandlerError(@Nullable HandlerFailure onHandlerError) {
            this.onHandlerError = onHandlerError;
        }
    }

    /** What a send into a full outbound buffer does. */
    public enum WhenFull {
        /** The send's stage fails at once. */
        FAIL,
        /** The sending thread waits for room, at most send-wait-timeout. */
        WAIT
    }

    /** Where a connection's message handler runs. */
    public enum HandlerThread {
        /** On the connection's I/O thread. */
        IO,
        /** On the application's task executor (the applicationTaskExecutor bean), one message at a time. */
        TASK_EXECUTOR
    }

    /** What a connection does when its message handler throws. */
    public enum HandlerFailure {
        /** Logs and goes on with the next message. */
        LOG,
        /** Logs, closes the connection and reconnects. */
        RECONNECT
    }

    /** A WebSocket connection (the JDK's java.net.http client). */
    public static class WebSocket extends MessageTransport {

        /**
         * WebSocket URIs (ws:// or wss://); one is used per attempt, in round-robin order. Or leave it out and
         * set discovery.service-id and path.
         */
        private @Nullable List<URI> uri;

        /**
         * With discovery.service-id: the path (and query) of the URI built from each discovered instance, for
         * example /v1/prices. The scheme is wss with ssl.bundle, else ws.
         */
        private @Nullable String path;

        /**
         * Headers of the opening handshake, for example Authorization. Values may be placeholders such as
         * ${FEED_TOKEN}; they are never logged.
         */
        private Map<String, String> headers = new LinkedHashMap<>();

        /** Subprotocols offered, in order of preference; the server must accept one of them. */
        private @Nullable List<String> subprotocols;

        /**
         * How often to ping the server; a server that does not answer within ping-timeout is presumed gone and
         * the connection is closed and reconnected. 0 sends no pings. Default: 30s.
         */
        private @Nullable Duration pingInterval;

        /** How long a ping may go unanswered. Default: 10s. */
        private @Nullable Duration pingTimeout;

        public @Nullable List<URI> getUri() {
            return uri;
        }

        public void setUri(@Nullable List<URI> uri) {
            this.uri = uri;
        }

        public @Nullable String getPath() {
            return path;
        }

        public void setPath(@Nullable String path) {
            this.path = path;
        }

        public Map<String, String> getHeaders() {
            return headers;
        }

        public void setHeaders(Map<String, String> headers) {
            this.headers = headers;
        }

        public @Nullable List<String> getSubprotocols() {
            return subprotocols;
        }

        public void setSubprotocols(@Nullable List<String> subprotocols) {
            this.subprotocols = subprotocols;
        }

        public @Nullable Duration getPingInterval() {
            return pingInterval;
        }

        public void setPingInterval(@Nullable Duration pingInterval) {
            this.pingInterval = pingInterval;
        }

        public @Nullable Duration getPingTimeout() {
            return pingTimeout;
        }

        public void setPingTimeout(@Nullable Duration pingTimeout) {
            this.pingTimeout = pingTimeout;
        }
    }

    /** A plain TCP connection on Netty. */
    public static class Tcp extends MessageTransport {

        /**
         * Addresses as host:port ([v6-address]:port for IPv6), one per attempt in round-robin order. Default:
         * the connection's addresses (or discovery.service-id).
         */
        private @Nullable List<String> addresses;

        /**
         * How the byte stream is cut into messages: line (text lines), length-field (length-prefixed frames) or
         * raw (chunks as they arrive). Default: line.
         */
        private @Nullable TcpFraming framing;

        /** Line framing (framing=line). */
        private final Line line = new Line();

        /** Length-field framing (framing=length-field). */
        private final LengthField lengthField = new LengthField();

        /**
         * Nothing read for this long closes the connection (the peer is presumed gone) and reconnects: half-open
         * detection without any protocol. Set it above the peer's own heartbeat. 0 never does. Default: 0.
         */
        private @Nullable Duration idleTimeout;

        /** SO_KEEPALIVE. Default: true. */
        private @Nullable Boolean keepAlive;

        /** TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds). Default: the OS's. */
        private @Nullable Duration keepAliveIdle;

        /** TCP_KEEPINTVL: time between keepalive probes (whole seconds). Default: the OS's. */
        private @Nullable Duration keepAliveInterval;

        /** TCP_KEEPCNT: unanswered keepalive probes before the connection is dropped. Default: the OS's. */
        private @Nullable Integer keepAliveCount;

        /**
         * Linux TCP_USER_TIMEOUT: written data unacknowledged for this long drops the connection. Needs Netty's
         * native epoll transport (netty-transport-native-epoll); without it the option is skipped with a logged
         * note. Default: the OS's.
         */
        private @Nullable Duration tcpUserTimeout;

        /** Use Netty's native epoll transport when it is on the classpath and loads. Default: true. */
        private @Nullable Boolean nativeTransport;

        public @Nullable List<String> getAddresses() {
            return addresses;
        }

        public void setAddresses(@Nullable List<String> addresses) {
            this.addresses = addresses;
        }

        public @Nullable TcpFraming getFraming() {
            return framing;
        }

        public void setFraming(@Nullable TcpFraming framing) {
            this.framing = framing;
        }

        public Line getLine() {
            return line;
        }

        public LengthField getLengthField() {
            return lengthField;
        }

        public @Nullable Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(@Nullable Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public @Nullable Boolean getKeepAlive() {
            return keepAlive;
        }

        public void setKeepAlive(@Nullable Boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        public @Nullable Duration getKeepAliveIdle() {
            return keepAliveIdle;
        }

        public void setKeepAliveIdle(@Nullable Duration keepAliveIdle) {
            this.keepAliveIdle = keepAliveIdle;
        }

        public @Nullable Duration getKeepAliveInterval() {
            return keepAliveInterval;
        }

        public void setKeepAliveInterval(@Nullable Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
        }

        public @Nullable Integer getKeepAliveCount() {
            return keepAliveCount;
        }

        public void setKeepAliveCount(@Nullable Integer keepAliveCount) {
            this.keepAliveCount = keepAliveCount;
        }

        public @Nullable Duration getTcpUserTimeout() {
            return tcpUserTimeout;
        }

        public void setTcpUserTimeout(@Nullable Duration tcpUserTimeout) {
            this.tcpUserTimeout = tcpUserTimeout;
        }

        public @Nullable Boolean getNativeTransport() {
            return nativeTransport;
        }

        public void setNativeTransport(@Nullable Boolean nativeTransport) {
            this.nativeTransport = nativeTransport;
        }
    }

    /** How a TCP byte stream is cut into messages. */
    public enum TcpFraming {
        /** Text lines ending in the delimiter. */
        LINE,
        /** Frames that start with their length. */
        LENGTH_FIELD,
        /** Chunks as they arrive. */
        RAW
    }

    /** Line framing. */
    public static class Line {

        /** Charset of the lines. Default: UTF-8. */
        private @Nullable String charset;

        /** What ends a line; a sent message gets it appended. Default: \n (a \r before it is dropped too). */
        private @Nullable String delimiter;

        public @Nullable String getCharset() {
            return charset;
        }

        public void setCharset(@Nullable String charset) {
            this.charset = charset;
        }

        public @Nullable String getDelimiter() {
            return delimiter;
        }

        public void setDelimiter(@Nullable String delimiter) {
            this.delimiter = delimiter;
        }
    }

    /** Length-field framing, as Netty's LengthFieldBasedFrameDecoder reads it. */
    public static class LengthField {

        /** Offset of the length field in the frame. Default: 0. */
        private @Nullable Integer offset;

        /** Size of the length field in bytes: 1, 2, 3, 4 or 8. Default: 4. */
        private @Nullable Integer length;

        /** Added to the length field's value to get the number of bytes after the field. Default: 0. */
        private @Nullable Integer adjustment;

        /** Bytes removed from the front of each frame before the handler sees it. Default: offset + length. */
        private @Nullable Integer bytesToStrip;

        /** Byte order of the length field: big-endian or little-endian. Default: big-endian. */
        private @Nullable LengthFieldOrder byteOrder;

        public @Nullable Integer getOffset() {
            return offset;
        }

        public void setOffset(@Nullable Integer offset) {
            this.offset = offset;
        }

        public @Nullable Integer getLength() {
            return length;
        }

        public void setLength(@Nullable Integer length) {
            this.length = length;
        }

        public @Nullable Integer getAdjustment() {
            return adjustment;
        }

        public void setAdjustment(@Nullable Integer adjustment) {
            this.adjustment = adjustment;
        }

        public @Nullable Integer getBytesToStrip() {
            return bytesToStrip;
        }

        public void setBytesToStrip(@Nullable Integer bytesToStrip) {
            this.bytesToStrip = bytesToStrip;
        }

        public @Nullable LengthFieldOrder getByteOrder() {
            return byteOrder;
        }

        public void setByteOrder(@Nullable LengthFieldOrder byteOrder) {
            this.byteOrder = byteOrder;
        }
    }

    /** Byte order of a length field. */
    public enum LengthFieldOrder {
        /** Most significant byte first (network order). */
        BIG_ENDIAN,
        /** Least significant byte first. */
        LITTLE_ENDIAN
    }
}
