package dev.persistentconnection.spring.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the persistent-connection starter.
 * <p>
 * Every connection under {@code persistent-connection.connections.<name>} starts from the values under
 * {@code persistent-connection.defaults} and overrides what it sets itself. The field initializers below are the
 * built-in defaults.
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

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public Duration getShutdownTimeout() { return shutdownTimeout; }
    public void setShutdownTimeout(Duration shutdownTimeout) { this.shutdownTimeout = shutdownTimeout; }
    public Connection getDefaults() { return defaults; }
    public void setDefaults(Connection defaults) { this.defaults = defaults; }
    public Map<String, Connection> getConnections() { return connections; }
    public void setConnections(Map<String, Connection> connections) { this.connections = connections; }

    /** Settings of one connection (also the shape of {@code persistent-connection.defaults}). */
    public static class Connection {

        /** Whether this connection is created. */
        private boolean enabled = true;

        /**
         * Name of the server, used in logs, events, health and metrics. Defaults to the connection's name.
         */
        private String serverName;

        /**
         * Addresses of the server as host:port ([v6-address]:port for IPv6). One address is used per attempt,
         * in round-robin order.
         */
        private List<String> addresses = new ArrayList<>();

        /**
         * Delay between the start of one attempt and the start of the next one, and the minimum lifetime of a
         * connection below which a reconnection waits out the rest of the delay.
         */
        private Duration retryDelay = Duration.ofSeconds(10);

        /**
         * Random variation of each retry delay, as a fraction in [0, 1): 0.3 gives a delay uniform in
         * [0.7, 1.3] x the delay. 0 means no randomization.
         */
        private double jitter = 0.3;

        /** Timeout of one connection attempt (built-in connector). */
        private Duration connectTimeout = Duration.ofSeconds(10);

        /**
         * Deadline of a typed call (the connection's TaskTemplate) that gives none: it covers waiting for the
         * connection as well as the task itself.
         */
        private Duration deadline = Duration.ofSeconds(10);

        /** Exponential back-off of the retry delay after consecutive failures. */
        private final Backoff backoff = new Backoff();

        /** Heartbeat of an established connection (built-in connector). */
        private final Heartbeat heartbeat = new Heartbeat();

        /** TLS settings. */
        private final Ssl ssl = new Ssl();

        /** Address look-up through Spring Cloud's DiscoveryClient, instead of fixed addresses. */
        private final Discovery discovery = new Discovery();

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public String getServerName() { return serverName; }
        public void setServerName(String serverName) { this.serverName = serverName; }
        public List<String> getAddresses() { return addresses; }
        public void setAddresses(List<String> addresses) { this.addresses = addresses; }
        public Duration getRetryDelay() { return retryDelay; }
        public void setRetryDelay(Duration retryDelay) { this.retryDelay = retryDelay; }
        public double getJitter() { return jitter; }
        public void setJitter(double jitter) { this.jitter = jitter; }
        public Duration getConnectTimeout() { return connectTimeout; }
        public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
        public Duration getDeadline() { return deadline; }
        public void setDeadline(Duration deadline) { this.deadline = deadline; }
        public Backoff getBackoff() { return backoff; }
        public Heartbeat getHeartbeat() { return heartbeat; }
        public Ssl getSsl() { return ssl; }
        public Discovery getDiscovery() { return discovery; }
    }

    /** Exponential back-off: the n-th consecutive failure waits retry-delay x multiplier^n, at most max-delay. */
    public static class Backoff {

        /** Factor applied to the retry delay per consecutive failure. 1 disables the back-off. */
        private double multiplier = 1.0;

        /** Upper bound of the backed-off retry delay. */
        private Duration maxDelay = Duration.ofMinutes(5);

        /**
         * How long a connection must stay up for the back-off to start again from the retry delay; a connection
         * that drops sooner counts as one more failure.
         */
        private Duration resetAfter = Duration.ofMinutes(1);

        public double getMultiplier() { return multiplier; }
        public void setMultiplier(double multiplier) { this.multiplier = multiplier; }
        public Duration getMaxDelay() { return maxDelay; }
        public void setMaxDelay(Duration maxDelay) { this.maxDelay = maxDelay; }
        public Duration getResetAfter() { return resetAfter; }
        public void setResetAfter(Duration resetAfter) { this.resetAfter = resetAfter; }
    }

    /** Heartbeats of an established connection (built-in connector). */
    public static class Heartbeat {

        /** Quiet time after which the client sends a heartbeat. */
        private Duration interval = Duration.ofSeconds(10);

        /** Silence from the server after which the connection is considered dead and closed. */
        private Duration timeout = Duration.ofSeconds(30);

        public Duration getInterval() { return interval; }
        public void setInterval(Duration interval) { this.interval = interval; }
        public Duration getTimeout() { return timeout; }
        public void setTimeout(Duration timeout) { this.timeout = timeout; }
    }

    /** TLS settings. */
    public static class Ssl {

        /** Name of the Spring SSL bundle (spring.ssl.bundle.*) to connect with TLS. Unset means plain TCP. */
        private String bundle;

        public String getBundle() { return bundle; }
        public void setBundle(String bundle) { this.bundle = bundle; }
    }

    /** Address look-up through Spring Cloud's DiscoveryClient. */
    public static class Discovery {

        /**
         * Service id to look up in the DiscoveryClient before every attempt, rotating among the instances it
         * lists. Takes precedence over addresses. Needs spring-cloud-commons on the classpath.
         */
        private String serviceId;

        public String getServiceId() { return serviceId; }
        public void setServiceId(String serviceId) { this.serviceId = serviceId; }
    }
}
