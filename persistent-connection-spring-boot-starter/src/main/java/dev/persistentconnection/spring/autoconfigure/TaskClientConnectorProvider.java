package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.util.List;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;

/**
 * The zero-code path: a {@link TaskClient} connector per connection, from the connection's connect timeout,
 * heartbeat and SSL bundle. The connectors (and their I/O threads) are the starter's: the registry closes them
 * at shutdown, after the connections closed.
 */
class TaskClientConnectorProvider implements DefaultConnectorProvider {

    private final @Nullable SslBundles sslBundles;

    TaskClientConnectorProvider(@Nullable SslBundles sslBundles) {
        this.sslBundles = sslBundles;
    }

    @Override
    public PersistentConnectionRegistration<InetSocketAddress, TaskClient> registrationFor(
            PersistentConnectionSettings settings) {
        TaskClientOptions.Builder options = TaskClientOptions.builder()
                .connectTimeout(settings.connectTimeout())
                .heartbeatInterval(settings.heartbeat().interval())
                .heartbeatTimeout(settings.heartbeat().timeout());
        String bundleName = settings.sslBundle();
        if (bundleName != null) {
            options.sslContext(sslContext(settings, bundleName));
        }
        TaskClientOptions built = options.build();
        return PersistentConnectionRegistration.<InetSocketAddress, TaskClient>forConnection(settings.name())
                .connectorFactory(ignored -> TaskClients.connector(built)) // closed by the registry at shutdown
                .lifecycle(TaskClients.lifecycle())
                .build();
    }

    private SslContext sslContext(PersistentConnectionSettings settings, String bundleName) {
        String property = settings.propertyPrefix() + ".ssl.bundle";
        if (sslBundles == null) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    bundleName,
                    "there is no SslBundles bean to look the bundle up in",
                    "Define the bundle under spring.ssl.bundle.*, or remove '" + property + "'.");
        }
        SslBundle bundle = sslBundles.getBundle(bundleName);
        SslManagerBundle managers = bundle.getManagers();
        SslOptions sslOptions = bundle.getOptions();
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .keyManager(managers.getKeyManagerFactory())
                    .trustManager(managers.getTrustManagerFactory());
            if (sslOptions.getEnabledProtocols() != null) {
                builder.protocols(sslOptions.getEnabledProtocols());
            }
            if (sslOptions.getCiphers() != null) {
                builder.ciphers(List.of(sslOptions.getCiphers()));
            }
            return builder.build();
        } catch (SSLException | RuntimeException ex) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    bundleName,
                    "the SSL bundle cannot be used by a TLS client: " + ex.getMessage(),
                    "Check the key store and trust store of spring.ssl.bundle.*." + bundleName + ".");
        }
    }
}
