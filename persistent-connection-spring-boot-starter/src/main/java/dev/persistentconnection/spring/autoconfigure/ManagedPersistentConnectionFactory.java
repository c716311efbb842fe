package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.AddressSupplier;
import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionCustomizer;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Creates the managed connection of one name: picks the registration (user bean, else built-in connector), the
 * address source (registration, discovery, configured addresses), and checks what needs other beans.
 */
class ManagedPersistentConnectionFactory
        implements Function<PersistentConnectionSettings, ManagedPersistentConnection> {

    private final Map<String, PersistentConnectionRegistration<?, ?>> registrations;
    private final @Nullable DefaultConnectorProvider defaultConnectorProvider;
    private final @Nullable MessageTransportRegistrations messageTransports;
    private final @Nullable DiscoveryAddressSupplierFactory discovery;
    private final List<PersistentConnectionCustomizer> customizers;
    private final ApplicationEventPublisher publisher;

    ManagedPersistentConnectionFactory(
            Map<String, PersistentConnectionRegistration<?, ?>> registrations,
            @Nullable DefaultConnectorProvider defaultConnectorProvider,
            @Nullable MessageTransportRegistrations messageTransports,
            @Nullable DiscoveryAddressSupplierFactory discovery,
            List<PersistentConnectionCustomizer> customizers,
            ApplicationEventPublisher publisher) {
        this.registrations = registrations;
        this.defaultConnectorProvider = defaultConnectorProvider;
        this.messageTransports = messageTransports;
        this.discovery = discovery;
        this.customizers = new ArrayList<>(customizers);
        this.publisher = publisher;
    }

    @Override
    public ManagedPersistentConnection apply(PersistentConnectionSettings settings) {
        return create(registrationFor(settings), settings);
    }

    private PersistentConnectionRegistration<?, ?> registrationFor(PersistentConnectionSettings settings) {
        PersistentConnectionRegistration<?, ?> registration = registrations.get(settings.name());
        if (registration != null) {
            return registration;
        }
        if (settings.transport() != PersistentConnectionSettings.Transport.TASKS) {
            String property = settings.propertyPrefix()
                    + (settings.transport() == PersistentConnectionSettings.Transport.WEBSOCKET
                            ? ".websocket"
                            : ".tcp");
            if (messageTransports == null) {
                throw new InvalidPersistentConnectionPropertyException(
                        property,
                        null,
                        "persistent-connection-transports is not on the classpath, so there is no "
                                + settings.transport().name().toLowerCase(java.util.Locale.ROOT) + " connector",
                        "Add the dependency dev.persistentconnection:persistent-connection-transports, or declare a "
                                + "PersistentConnectionRegistration bean for '" + settings.name() + "'.");
            }
            return messageTransports.registrationFor(settings);
        }
        if (defaultConnectorProvider == null) {
            throw new InvalidPersistentConnectionPropertyException(
                    settings.propertyPrefix(),
                    null,
                    "there is no connector for this connection: no PersistentConnectionRegistration bean is bound "
                            + "to '" + settings.name() + "' and persistent-connection-tasks is not on the classpath",
                    "Add the dependency dev.persistentconnection:persistent-connection-tasks for the built-in "
                            + "connector, or declare a PersistentConnectionRegistration bean for '"
                            + settings.name() + "'.");
        }
        return defaultConnectorProvider.registrationFor(settings);
    }

    private <A, C> ManagedPersistentConnection create(
            PersistentConnectionRegistration<A, C> registration, PersistentConnectionSettings settings) {
        return ManagedPersistentConnection.create(
                settings, registration, addressSupplier(registration, settings), customizers, publisher);
    }

    @SuppressWarnings("unchecked")
    private <A> AddressSupplier<A> addressSupplier(
            PersistentConnectionRegistration<A, ?> registration, PersistentConnectionSettings settings) {
        AddressSupplier<A> own = registration.addressSupplier();
        if (own != null) {
            return own;
        }
        AddressSupplier<InetSocketAddress> socketAddresses;
        String serviceId = settings.discoveryServiceId();
        if (serviceId != null) {
            if (discovery == null) {
                throw new InvalidPersistentConnectionPropertyException(
                        settings.propertyPrefix() + ".discovery.service-id",
                        serviceId,
                        "no Spring Cloud DiscoveryClient is available to look the service up",
                        "Add org.springframework.cloud:spring-cloud-commons and a DiscoveryClient implementation "
                                + "(for example spring.cloud.discovery.client.simple.instances.*), or remove the "
                                + "property and set '" + settings.propertyPrefix() + ".addresses' instead.");
            }
            socketAddresses = discovery.forService(serviceId);
        } else if (!settings.addresses().isEmpty()) {
            socketAddresses = AddressSuppliers.roundRobin(settings.addresses());
        } else {
            throw new InvalidPersistentConnectionPropertyException(
                    settings.propertyPrefix() + ".addresses",
                    null,
                    "the connection has no address: no addresses, no discovery.service-id and no address supplier "
                            + "in a PersistentConnectionRegistration",
                    "Set '" + settings.propertyPrefix() + ".addresses' (for example localhost:7000), or '"
                            + settings.propertyPrefix() + ".discovery.service-id', or give the connection's "
                            + "PersistentConnectionRegistration an address supplier.");
        }
        Function<InetSocketAddress, A> mapper = registration.addressMapper();
        if (mapper == null) {
            return (AddressSupplier<A>) socketAddresses;
        }
        return () -> socketAddresses.get().thenApply(mapper);
    }
}
