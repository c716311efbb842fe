package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.TimeSource;
import dev.persistentconnection.spring.PersistentConnectionCustomizer;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.transports.MessageConnector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of the named persistent connections: one {@link PersistentConnection} bean per
 * {@code persistent-connection.connections.<name>}, the {@link PersistentConnections} registry and their
 * lifecycle.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration",
            "org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration",
            "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration"
        })
@ConditionalOnClass(PersistentConnection.class)
@ConditionalOnBooleanProperty(name = "persistent-connection.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PersistentConnectionProperties.class)
@Import(PersistentConnectionBeanRegistrar.class)
public final class PersistentConnectionAutoConfiguration {

    @Bean(name = PersistentConnectionBeanRegistrar.REGISTRY_BEAN_NAME)
    PersistentConnections persistentConnections(
            PersistentConnectionProperties properties,
            Environment environment,
            BeanFactory beanFactory,
            ObjectProvider<PersistentConnectionRegistration<?, ?>> registrations,
            ObjectProvider<DefaultConnectorProvider> defaultConnectorProvider,
            ObjectProvider<MessageTransportRegistrations> messageTransports,
            ObjectProvider<DiscoveryAddressSupplierFactory> discovery,
            ObjectProvider<PersistentConnectionCustomizer> customizers,
            ObjectProvider<SslBundles> sslBundles,
            ApplicationEventPublisher publisher) {
        Map<String, PersistentConnectionSettings> settings =
                PersistentConnectionSettingsResolver.resolve(properties, environment);
        for (PersistentConnectionSettings connection : settings.values()) {
            checkBeanDefinition(connection, beanFactory);
            checkSslBundle(connection, sslBundles.getIfAvailable());
        }
        Map<String, PersistentConnectionRegistration<?, ?>> byName = new LinkedHashMap<>();
        registrations.orderedStream().forEach(registration -> {
            PersistentConnectionRegistration<?, ?> previous =
                    byName.putIfAbsent(registration.connectionName(), registration);
            if (previous != null) {
                throw new IllegalStateException("Two PersistentConnectionRegistration beans are bound to the "
                        + "connection '" + registration.connectionName() + "'");
            }
        });
        for (String name : byName.keySet()) {
            if (!properties.getConnections().containsKey(name)) {
                throw new InvalidPersistentConnectionPropertyException(
                        PersistentConnectionSettings.propertyPrefix(name),
                        null,
                        "a PersistentConnectionRegistration bean is bound to '" + name
                                + "', but no such connection is configured",
                        "Declare the connection, for example " + PersistentConnectionSettings.propertyPrefix(name)
                                + ".retry-delay=10s, or fix the name in the PersistentConnectionRegistration.");
            }
        }
        byName.keySet().retainAll(settings.keySet());
        var factory = new ManagedPersistentConnectionFactory(
                byName,
                defaultConnectorProvider.getIfAvailable(),
                messageTransports.getIfAvailable(),
                discovery.getIfAvailable(),
                customizers.orderedStream().toList(),
                publisher);
        return new PersistentConnections(settings, factory);
    }

    /**
     * The bean definitions were made from the configuration seen when the registrar ran: under AOT, at build time.
     * A connection declared only at run time has no bean; say so instead of leaving it silently absent.
     */
    private static void checkBeanDefinition(PersistentConnectionSettings connection, BeanFactory beanFactory) {
        String beanName = PersistentConnectionBeanRegistrar.beanName(connection.name());
        if (!beanFactory.containsBean(beanName)) {
            throw new InvalidPersistentConnectionPropertyException(
                    connection.propertyPrefix(),
                    null,
                    "the connection is declared at run time, but the application was processed ahead of time (Spring "
                            + "AOT) without it, so there is no bean '" + beanName + "': under AOT the bean "
                            + "definitions, and with them the set of connection names, are fixed at build time",
                    "Declare the connection in the configuration that process-aot reads (for example "
                            + "application.yml) and build again, or run without -Dspring.aot.enabled=true. Its "
                            + "addresses, delays and TLS settings may still change at run time.");
        }
    }

    private static void checkSslBundle(PersistentConnectionSettings connection, @Nullable SslBundles sslBundles) {
        String bundle = connection.sslBundle();
        if (bundle == null) {
            return;
        }
        String property = connection.propertyPrefix() + ".ssl.bundle";
        if (sslBundles == null) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    bundle,
                    "there is no SslBundles bean to look the bundle up in",
                    "Define the bundle under spring.ssl.bundle.* (Spring Boot's SSL auto-configuration), or "
                            + "remove '" + property + "' to connect without TLS.");
        }
        try {
            sslBundles.getBundle(bundle);
        } catch (NoSuchSslBundleException ex) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    bundle,
                    "there is no SSL bundle named '" + bundle + "'",
                    "Define it, for example under spring.ssl.bundle.pem." + bundle + ".truststore.certificate, or set '"
                            + property + "' to one of the configured bundles " + sslBundles.getBundleNames() + ".");
        }
    }

    /**
     * A {@link TimeSource} bean becomes the clock of every connection: a test's virtual clock
     * ({@code @VirtualTimeConnections} of persistent-connection-test), or a clock of the application's own.
     * Customizers of the application run after this one and may still set another.
     */
    @Bean
    @ConditionalOnBean(TimeSource.class)
    PersistentConnectionCustomizer persistentConnectionTimeSourceCustomizer(TimeSource timeSource) {
        return new TimeSourceCustomizer(timeSource);
    }

    /** Runs first, so that the application's own customizers can override the clock. */
    record TimeSourceCustomizer(TimeSource timeSource) implements PersistentConnectionCustomizer, Ordered {
        @Override
        public void customize(String connectionName, PersistentConnection.Builder<?, ?> builder) {
            builder.timeSource(timeSource);
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }

    @Bean
    @ConditionalOnMissingBean
    PersistentConnectionsLifecycle persistentConnectionsLifecycle(
            PersistentConnections persistentConnections, PersistentConnectionProperties properties) {
        return new PersistentConnectionsLifecycle(persistentConnections, properties.getShutdownTimeout());
    }

    /** The zero-code path: TaskClient connections when persistent-connection-tasks is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(TaskClient.class)
    static class TaskClientConfiguration {

        @Bean
        @ConditionalOnMissingBean
        DefaultConnectorProvider persistentConnectionTaskClientConnectorProvider(
                ObjectProvider<SslBundles> sslBundles) {
            return new TaskClientConnectorProvider(sslBundles.getIfAvailable());
        }
    }

    /** The zero-code path for websocket.* and tcp.* connections, when persistent-connection-transports is here. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MessageConnector.class)
    static class MessageTransportConfiguration {

        @Bean
        MessageTransportRegistrations persistentConnectionMessageTransports(
                PersistentConnectionProperties properties,
                ListableBeanFactory beanFactory,
                ObjectProvider<SslBundles> sslBundles) {
            return new MessageTransportConnectorProvider(properties, beanFactory, sslBundles.getIfAvailable());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(DiscoveryClient.class)
    static class DiscoveryConfiguration {

        @Bean
        @ConditionalOnBean(DiscoveryClient.class)
        @ConditionalOnMissingBean
        DiscoveryAddressSupplierFactory persistentConnectionDiscoveryAddressSupplierFactory(
                DiscoveryClient discoveryClient) {
            return new DiscoveryClientAddressSupplierFactory(discoveryClient);
        }
    }
}
