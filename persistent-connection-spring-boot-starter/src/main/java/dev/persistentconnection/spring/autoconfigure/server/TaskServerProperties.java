package dev.persistentconnection.spring.autoconfigure.server;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of the auto-configured task server ({@code persistent-connection.server.*}). The
 * defaults are the task server's own safe defaults.
 */
@ConfigurationProperties("persistent-connection.server")
public class TaskServerProperties {

    /** Whether to start a task server serving the @TaskMapping methods of the @TaskController beans. */
    private boolean enabled = false;

    /** Port to listen on; 0 picks a free port (published as local.persistent-connection.server.port). */
    private int port = 7000;

    /** Address to bind; 127.0.0.1 unless set (0.0.0.0 listens on every interface). */
    private String bindAddress = "127.0.0.1";

    /** Connections at once; beyond, new clients are refused in the handshake. */
    private int maxClients = 1024;

    /**
     * Connections at once from one remote IP address, counted from the accept (before the handshake); beyond, its
     * new connections are refused as "server full". Clients behind one NAT share it.
     */
    private int maxClientsPerAddress = 256;

    /**
     * Task threads the tasks of one remote IP address may hold at once (its further tasks wait, in order, without a
     * thread), so that one host whose handlers block, or that never reads its answers, cannot take them all. Unset:
     * half of the pool the server owns, no limit on the executor bean (set it when that executor is a bounded pool).
     */
    private Integer maxTaskThreadsPerAddress;

    /**
     * Connections accepted per second from one remote IP address (a second's worth at once, then this many a
     * second); beyond, a connection is reset as soon as it is accepted, before any handshake or TLS work, so that a
     * connect flood from one host costs an accept and a close each. Unset: max-clients-per-address a second.
     */
    private Integer maxAcceptRatePerAddress;

    /**
     * Bytes per second the connections of one remote IP address may read together (for example 16MB: 16 MB a
     * second); over it they stop reading until the address's budget refills, so that one host sending large frames
     * back to back cannot take the I/O threads. At least max-frame-size per read-timeout. Unset: no limit.
     */
    private DataSize maxReadRatePerAddress;

    /** Tasks one client may have in flight; at the limit the server stops reading from that client. */
    private int maxTasksInFlightPerClient = 64;

    /** Largest frame accepted (its length prefix), at least 256 bytes. */
    private DataSize maxFrameSize = DataSize.ofMegabytes(1);

    /** Time a started frame, or the handshake, may take to arrive. */
    private Duration readTimeout = Duration.ofSeconds(5);

    /** Time a write may take. */
    private Duration writeTimeout = Duration.ofSeconds(5);

    /**
     * How long a remote IP address may not connect after the server closed one of its connections for the write
     * timeout (it sent tasks and did not read their answers); doubles with each further such close, up to 64 times
     * this, and is forgotten once the address stayed clean for as long again. Connections meanwhile are reset.
     */
    private Duration stalledWriteBackoff = Duration.ofSeconds(1);

    /**
     * Idle time (no task in flight; heartbeats do not count) after which a client is disconnected with GOODBYE; a
     * persistent connection reconnects at once.
     */
    private Duration waitTimeout = Duration.ofMinutes(5);

    /**
     * Name of the java.util.concurrent.Executor bean the handler methods run on. By default Boot's task
     * executor (applicationTaskExecutor: virtual threads with spring.threads.virtual.enabled=true on Java 21+);
     * when there is no such bean, or this is empty, a pool the server owns.
     */
    private String executor = "applicationTaskExecutor";

    /** Heartbeats of the server's connections. */
    private final Heartbeat heartbeat = new Heartbeat();

    /** TLS of the server's connections. */
    private final Ssl ssl = new Ssl();

    /** Publication of the server's address in a Spring Cloud ServiceRegistry. */
    private final Registration registration = new Registration();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getBindAddress() {
        return bindAddress;
    }

    public void setBindAddress(String bindAddress) {
        this.bindAddress = bindAddress;
    }

    public int getMaxClients() {
        return maxClients;
    }

    public void setMaxClients(int maxClients) {
        this.maxClients = maxClients;
    }

    public int getMaxClientsPerAddress() {
        return maxClientsPerAddress;
    }

    public void setMaxClientsPerAddress(int maxClientsPerAddress) {
        this.maxClientsPerAddress = maxClientsPerAddress;
    }

    public Integer getMaxTaskThreadsPerAddress() {
        return maxTaskThreadsPerAddress;
    }

    public void setMaxTaskThreadsPerAddress(Integer maxTaskThreadsPerAddress) {
        this.maxTaskThreadsPerAddress = maxTaskThreadsPerAddress;
    }

    public Integer getMaxAcceptRatePerAddress() {
        return maxAcceptRatePerAddress;
    }

    public void setMaxAcceptRatePerAddress(Integer maxAcceptRatePerAddress) {
        this.maxAcceptRatePerAddress = maxAcceptRatePerAddress;
    }

    public DataSize getMaxReadRatePerAddress() {
        return maxReadRatePerAddress;
    }

    public void setMaxReadRatePerAddress(DataSize maxReadRatePerAddress) {
        this.maxReadRatePerAddress = maxReadRatePerAddress;
    }

    public int getMaxTasksInFlightPerClient() {
        return maxTasksInFlightPerClient;
    }

    public void setMaxTasksInFlightPerClient(int maxTasksInFlightPerClient) {
        this.maxTasksInFlightPerClient = maxTasksInFlightPerClient;
    }

    public DataSize getMaxFrameSize() {
        return maxFrameSize;
    }

    public void setMaxFrameSize(DataSize maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    public Duration getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
        this.readTimeout = readTimeout;
    }

    public Duration getWriteTimeout() {
        return writeTimeout;
    }

    public void setWriteTimeout(Duration writeTimeout) {
        this.writeTimeout = writeTimeout;
    }

    public Duration getStalledWriteBackoff() {
        return stalledWriteBackoff;
    }

    public void setStalledWriteBackoff(Duration stalledWriteBackoff) {
        this.stalledWriteBackoff = stalledWriteBackoff;
    }

    public Duration getWaitTimeout() {
        return waitTimeout;
    }

    public void setWaitTimeout(Duration waitTimeout) {
        this.waitTimeout = waitTimeout;
    }

    public String getExecutor() {
        return executor;
    }

    public void setExecutor(String executor) {
        this.executor = executor;
    }

    public Heartbeat getHeartbeat() {
        return heartbeat;
    }

    public Ssl getSsl() {
        return ssl;
    }

    public Registration getRegistration() {
        return registration;
    }

    /** Publication of the server's address in a Spring Cloud ServiceRegistry (ZooKeeper, Consul, Eureka...). */
    public static class Registration {

        /**
         * Service id to register the server under once it listens (deregistered before it stops), so that clients
         * with discovery.service-id find it; unset means no registration.
         */
        private String serviceId;

        /** Address to publish; unset means the bound address (this host's address when bound to 0.0.0.0). */
        private String host;

        public String getServiceId() {
            return serviceId;
        }

        public void setServiceId(String serviceId) {
            this.serviceId = serviceId;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }
    }

    /** Heartbeats of the server's connections. */
    public static class Heartbeat {

        /** Write silence after which the server sends PING. */
        private Duration interval = Duration.ofSeconds(10);

        /** Read silence after which a client is considered dead; longer than the interval. */
        private Duration timeout = Duration.ofSeconds(30);

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** TLS of the server's connections. */
    public static class Ssl {

        /** Name of the Spring SSL bundle (spring.ssl.bundle.*) with the server's key; unset means plain TCP. */
        private String bundle;

        /** Whether clients must present a certificate that the bundle's trust store trusts (mutual TLS). */
        private ClientAuth clientAuth = ClientAuth.NONE;

        public String getBundle() {
            return bundle;
        }

        public void setBundle(String bundle) {
            this.bundle = bundle;
        }

        public ClientAuth getClientAuth() {
            return clientAuth;
        }

        public void setClientAuth(ClientAuth clientAuth) {
            this.clientAuth = clientAuth;
        }
    }

    /** Client certificates. */
    public enum ClientAuth {
        /** Not asked for. */
        NONE,
        /** Asked for, not required. */
        WANT,
        /** Required: a client without a trusted certificate is refused in the TLS handshake. */
        NEED
    }
}
