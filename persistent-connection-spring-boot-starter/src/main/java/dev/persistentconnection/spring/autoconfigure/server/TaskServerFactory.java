package dev.persistentconnection.spring.autoconfigure.server;

import dev.persistentconnection.spring.autoconfigure.InvalidPersistentConnectionPropertyException;
import dev.persistentconnection.tasks.TaskServer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Builds the {@link TaskServer} from {@code persistent-connection.server.*}, validating every value: an invalid one
 * throws {@link InvalidPersistentConnectionPropertyException} naming the property, the value, where it was written
 * and the fix.
 */
final class TaskServerFactory {

    static final String PREFIX = "persistent-connection.server";

    private TaskServerFactory() {}

    /** A validated builder of the server (build it once to check the settings that only build() checks). */
    static TaskServer.Builder create(
            TaskServerProperties properties,
            @Nullable SslBundles sslBundles,
            BeanFactory beanFactory,
            Environment environment) {
        try {
            TaskServer.Builder builder = builder(properties, sslBundles, beanFactory);
            builder.build();
            return builder;
        } catch (InvalidPersistentConnectionPropertyException ex) {
            throw ex.withSourceFrom(environment);
        }
    }

    private static TaskServer.Builder builder(
            TaskServerProperties p, @Nullable SslBundles sslBundles, BeanFactory beanFactory) {
        if (p.getPort() < 0 || p.getPort() > 65535) {
            throw new InvalidPersistentConnectionPropertyException(
                    PREFIX + ".port",
                    p.getPort(),
                    "the port must be in 0..65535",
                    "Set '" + PREFIX + ".port' to a port number, or 0 for a free port.");
        }
        TaskServer.Builder builder = TaskServer.builder()
                .bindAddress(bindAddress(p.getBindAddress()))
                .port(p.getPort())
                .maxClients(positive("max-clients", p.getMaxClients()))
                .maxClientsPerAddress(positive("max-clients-per-address", p.getMaxClientsPerAddress()))
                .maxTasksInFlightPerClient(positive("max-tasks-in-flight-per-client", p.getMaxTasksInFlightPerClient()))
                .maxFrameSize(frameSize(p))
                .readTimeout(positive("read-timeout", p.getReadTimeout()))
                .writeTimeout(positive("write-timeout", p.getWriteTimeout()))
                .stalledWriteBackoff(positive("stalled-write-backoff", p.getStalledWriteBackoff()))
                .waitTimeout(positive("wait-timeout", p.getWaitTimeout()))
                .heartbeatInterval(
                        positive("heartbeat.interval", p.getHeartbeat().getInterval()))
                .heartbeatTimeout(positive("heartbeat.timeout", p.getHeartbeat().getTimeout()));
        if (p.getHeartbeat().getTimeout().compareTo(p.getHeartbeat().getInterval()) <= 0) {
            throw new InvalidPersistentConnectionPropertyException(
                    PREFIX + ".heartbeat.timeout",
                    p.getHeartbeat().getTimeout(),
                    "the heartbeat timeout must be longer than the heartbeat interval ("
                            + p.getHeartbeat().getInterval() + ")",
                    "Set '" + PREFIX + ".heartbeat.timeout' to a few intervals, for example 3 x the interval.");
        }
        if (p.getMaxTaskThreadsPerAddress() != null) {
            builder.maxTaskThreadsPerAddress(positive("max-task-threads-per-address", p.getMaxTaskThreadsPerAddress()));
        }
        if (p.getMaxAcceptRatePerAddress() != null) {
            builder.maxAcceptRatePerAddress(positive("max-accept-rate-per-address", p.getMaxAcceptRatePerAddress()));
        }
        if (p.getMaxReadRatePerAddress() != null) {
            builder.maxReadRatePerAddress(readRate(p));
        }
        Executor executor = executor(p.getExecutor(), beanFactory);
        if (executor != null) {
            builder.executor(executor);
        }
        SslContext ssl = sslContext(p.getSsl(), sslBundles);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        return builder;
    }

    private static InetAddress bindAddress(@Nullable String text) {
        String property = PREFIX + ".bind-address";
        if (!StringUtils.hasText(text)) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    text,
                    "the bind address is empty",
                    "Set '" + property + "' to 127.0.0.1 (the default), or 0.0.0.0 to listen on every interface.");
        }
        try {
            return InetAddress.getByName(text.trim());
        } catch (UnknownHostException ex) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    text,
                    "the bind address is not a known host or IP address",
                    "Set '" + property + "' to an address of this machine, for example 127.0.0.1 or 0.0.0.0.");
        }
    }

    private static int frameSize(TaskServerProperties p) {
        String property = PREFIX + ".max-frame-size";
        long bytes = p.getMaxFrameSize() == null ? -1 : p.getMaxFrameSize().toBytes();
        if (bytes < 256 || bytes > Integer.MAX_VALUE) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    p.getMaxFrameSize(),
                    "the frame size must be between 256 bytes and 2 GB",
                    "Set '" + property + "' to a size such as 1MB (the default) or 64KB.");
        }
        return (int) bytes;
    }

    private static long readRate(TaskServerProperties p) {
        String property = PREFIX + ".max-read-rate-per-address";
        long bytes = p.getMaxReadRatePerAddress().toBytes();
        double least = frameSize(p) / (p.getReadTimeout().toNanos() / 1e9);
        if (bytes <= 0 || bytes < least) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    p.getMaxReadRatePerAddress(),
                    "the rate must be at least max-frame-size per read-timeout (" + (long) Math.ceil(least)
                            + " bytes a second), so that a frame can arrive within the read timeout",
                    "Set '" + property + "' to a size a second such as 16MB, or leave it unset for no limit.");
        }
        return bytes;
    }

    private static int positive(String name, int value) {
        if (value <= 0) {
            throw new InvalidPersistentConnectionPropertyException(
                    PREFIX + "." + name,
                    value,
                    "the value must be positive",
                    "Set '" + PREFIX + "." + name + "' to 1 or more.");
        }
        return value;
    }

    private static Duration positive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new InvalidPersistentConnectionPropertyException(
                    PREFIX + "." + name,
                    value,
                    "the duration must be positive",
                    "Set '" + PREFIX + "." + name + "' to a positive duration, for example 10s or 500ms.");
        }
        return value;
    }

    private static @Nullable Executor executor(@Nullable String name, BeanFactory beanFactory) {
        if (!StringUtils.hasText(name)) {
            return null;
        }
        if (!beanFactory.containsBean(name)) {
            if (name.equals(new TaskServerProperties().getExecutor())) {
                return null; // no Boot task executor: the server's own pool
            }
            throw new InvalidPersistentConnectionPropertyException(
                    PREFIX + ".executor",
                    name,
                    "there is no bean named '" + name + "'",
                    "Set '" + PREFIX + ".executor' to the name of a java.util.concurrent.Executor bean, or leave it "
                            + "empty for a pool of the server's own.");
        }
        if (!beanFactory.isTypeMatch(name, Executor.class)) {
            throw new InvalidPersistentConnectionPropertyException(
                    PREFIX + ".executor",
                    name,
                    "the bean '" + name + "' is not a java.util.concurrent.Executor",
                    "Set '" + PREFIX + ".executor' to the name of an Executor bean.");
        }
        return beanFactory.getBean(name, Executor.class);
    }

    private static @Nullable SslContext sslContext(TaskServerProperties.Ssl ssl, @Nullable SslBundles sslBundles) {
        String property = PREFIX + ".ssl.bundle";
        String name = ssl.getBundle();
        if (!StringUtils.hasText(name)) {
            if (ssl.getClientAuth() != TaskServerProperties.ClientAuth.NONE) {
                throw new InvalidPersistentConnectionPropertyException(
                        PREFIX + ".ssl.client-auth",
                        ssl.getClientAuth(),
                        "client authentication needs TLS, but no SSL bundle is set",
                        "Set '" + property + "' to the bundle with the server's key and the trusted client CAs.");
            }
            return null;
        }
        if (sslBundles == null) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    name,
                    "there is no SslBundles bean to look the bundle up in",
                    "Define the bundle under spring.ssl.bundle.*, or remove '" + property + "' to serve plain TCP.");
        }
        SslBundle bundle;
        try {
            bundle = sslBundles.getBundle(name);
        } catch (NoSuchSslBundleException ex) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    name,
                    "there is no SSL bundle named '" + name + "'",
                    "Define it under spring.ssl.bundle.pem." + name + ".keystore.* or set '" + property + "' to one of "
                            + sslBundles.getBundleNames() + ".");
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(
                            bundle.getManagers().getKeyManagerFactory())
                    .trustManager(bundle.getManagers().getTrustManagerFactory())
                    .clientAuth(
                            switch (ssl.getClientAuth()) {
                                case NONE -> ClientAuth.NONE;
                                case WANT -> ClientAuth.OPTIONAL;
                                case NEED -> ClientAuth.REQUIRE;
                            });
            SslOptions options = bundle.getOptions();
            if (options.getEnabledProtocols() != null) {
                builder.protocols(options.getEnabledProtocols());
            }
            if (options.getCiphers() != null) {
                builder.ciphers(List.of(options.getCiphers()));
            }
            return builder.build();
        } catch (SSLException | RuntimeException ex) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    name,
                    "the SSL bundle cannot be used by a TLS server: " + ex.getMessage(),
                    "Give spring.ssl.bundle.*." + name + " a key store with the server's key and certificate.");
        }
    }
}
