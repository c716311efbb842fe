package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.PersistentConnections;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link PersistentConnection} bean per enabled connection, named {@code <name>PersistentConnection}
 * and qualified by {@code <name>} (so {@code @Qualifier("orders")} injects it). The static properties are
 * validated here, before any bean is created. A bean the user already defined under that name wins.
 */
class PersistentConnectionBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

    static final String REGISTRY_BEAN_NAME = "persistentConnections";

    private Environment environment;
    private BeanFactory beanFactory;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        for (PersistentConnectionSettings settings : PersistentConnectionSettingsResolver.resolve(environment).values()) {
            String beanName = beanName(settings.name());
            if (registry.containsBeanDefinition(beanName)) {
                continue;
            }
            String name = settings.name();
            RootBeanDefinition definition = new RootBeanDefinition(PersistentConnection.class);
            definition.setInstanceSupplier(
                    () -> beanFactory.getBean(REGISTRY_BEAN_NAME, PersistentConnections.class).managed(name).connection());
            definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
            definition.setDependsOn(REGISTRY_BEAN_NAME);
            // The registry closes the connection with a bounded wait; no unbounded close() at destruction.
            definition.setDestroyMethodName("");
            registry.registerBeanDefinition(beanName, definition);
        }
    }

    /** The bean name of a connection: {@code <name>PersistentConnection}. */
    static String beanName(String connectionName) {
        return connectionName + "PersistentConnection";
    }
}
