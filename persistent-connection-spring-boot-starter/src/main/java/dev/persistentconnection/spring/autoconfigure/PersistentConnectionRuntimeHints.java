package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.endpoint.PersistentConnectionsEndpoint;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What the starter reaches at run time through reflection, for a native image (listed in
 * {@code META-INF/spring/aot.factories}):
 * <ul>
 * <li>the configuration properties tree, bound by the {@code Binder} (JavaBean setters of the nested classes and
 * the map's value type);</li>
 * <li>the endpoint's descriptors, written as JSON by Jackson;</li>
 * <li>the events' getters, read by SpEL in {@code @EventListener(condition = "#event.connectionName == ...")};</li>
 * <li>the failure analyzer, instantiated from {@code META-INF/spring.factories}.</li>
 * </ul>
 * The tasks transport needs nothing here: it reaches no class by name, loads no resource and uses no JSON; Netty
 * ships its own native-image metadata.
 */
class PersistentConnectionRuntimeHints implements RuntimeHintsRegistrar {

    static final String FAILURE_ANALYZER =
            "dev.persistentconnection.spring.autoconfigure.InvalidPersistentConnectionPropertyFailureAnalyzer";

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        BindableRuntimeHintsRegistrar.forTypes(PersistentConnectionProperties.class)
                .registerHints(hints, classLoader);
        for (Class<?> type : new Class<?>[] {
            PersistentConnectionsEndpoint.ConnectionsDescriptor.class,
            PersistentConnectionsEndpoint.ConnectionDescriptor.class,
            PersistentConnectionsEndpoint.DropResult.class
        }) {
            hints.reflection()
                    .registerType(
                            type,
                            MemberCategory.INVOKE_DECLARED_CONSTRUCTORS,
                            MemberCategory.INVOKE_PUBLIC_METHODS,
                            MemberCategory.ACCESS_DECLARED_FIELDS);
        }
        for (Class<?> type : new Class<?>[] {
            PersistentConnectionEvent.class,
            PersistentConnectionEvent.AttemptingToConnect.class,
            PersistentConnectionEvent.ObtainedAddress.class,
            PersistentConnectionEvent.FailedToConnect.class,
            PersistentConnectionEvent.Connected.class,
            PersistentConnectionEvent.Disconnected.class
        }) {
            hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
        }
        hints.reflection()
                .registerType(TypeReference.of(FAILURE_ANALYZER), MemberCategory.INVOKE_DECLARED_CONSTRUCTORS);
    }
}
