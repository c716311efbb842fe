package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link PersistentConnection} bean per enabled connection, named {@code <name>PersistentConnection}
 * and qualified by {@code <name>} (so {@code @Qualifier("orders")} injects it). A bean the user already defined
 * under that name wins.
 * <p>
 * Each bean is a plain bean definition, with no code in it: the factory method
 * {@link PersistentConnections#get(String) get(name)} of the {@code persistentConnections} bean, the name as its
 * one argument, and the qualifier. Spring AOT turns such a definition into generated code (a
 * {@code BeanInstanceSupplier} calling {@code get("orders")}), which it cannot do for a lambda instance supplier.
 * Spring Framework 7's {@code BeanRegistrar} was the other candidate: AOT replays it at startup, but its bean
 * specification has no qualifiers, and the {@code @Qualifier("<name>")} injection is what users write. The price of
 * build-time definitions: under AOT the set of connection names is the one seen by {@code process-aot}; the
 * {@code persistentConnections} bean rejects, at startup, a connection declared only at run time, naming it.
 * Everything else about a connection (addresses, delays, TLS...) is still read at run time.
 */
final class PersistentConnectionBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

    static final String REGISTRY_BEAN_NAME = "persistentConnections";

    private @Nullable Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        Environment environment = this.environment;
        if (environment == null) {
            throw new IllegalStateException("No Environment to read persistent-connection.* from");
        }
        PersistentConnectionProperties properties = PersistentConnectionSettingsResolver.bind(environment);
        for (String name : PersistentConnectionSettingsResolver.resolve(properties, environment)
                .keySet()) {
            String beanName = beanName(name);
            if (registry.containsBeanDefinition(beanName)) {
                continue;
            }
            registry.registerBeanDefinition(beanName, definition(name));
        }
    }

    private static RootBeanDefinition definition(String name) {
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(PersistentConnection.class);
        definition.setFactoryBeanName(REGISTRY_BEAN_NAME);
        definition.setUniqueFactoryMethodName("get");
        definition.getConstructorArgumentValues().addIndexedArgumentValue(0, name);
        definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
        // The registry closes the connection with a bounded wait; no unbounded close() at destruction.
        definition.setDestroyMethodName("");
        return definition;
    }

    /** The bean name of a connection: {@code <name>PersistentConnection}. */
    static String beanName(String connectionName) {
        return connectionName + "PersistentConnection";
    }
}
