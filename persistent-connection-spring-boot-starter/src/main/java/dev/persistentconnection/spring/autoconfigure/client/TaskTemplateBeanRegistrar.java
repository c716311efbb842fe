package dev.persistentconnection.spring.autoconfigure.client;

import java.time.Duration;
import java.util.Map;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.InvalidPersistentConnectionPropertyException;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties;
import dev.persistentconnection.spring.client.TaskDeadlineTimer;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.tasks.TaskClient;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.BeanRegistrar;
import org.springframework.beans.factory.BeanRegistry;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Registers a {@link TaskTemplate} bean named {@code <name>TaskTemplate} per enabled connection, lazily: a
 * template is built on first injection, so a connection of another type costs nothing. Its default deadline is
 * {@code persistent-connection.connections.<name>.deadline} (or {@code persistent-connection.defaults.deadline}).
 */
class TaskTemplateBeanRegistrar implements BeanRegistrar {

    private static final String PREFIX = "persistent-connection";

    @Override
    public void register(BeanRegistry registry, Environment environment) {
        Binder binder = Binder.get(environment);
        Map<String, PersistentConnectionProperties.Connection> declared = binder
                .bind(PREFIX + ".connections", Bindable.mapOf(String.class, PersistentConnectionProperties.Connection.class))
                .orElse(Map.of());
        for (String name : declared.keySet()) {
            PersistentConnectionProperties.Connection connection = new PersistentConnectionProperties.Connection();
            binder.bind(PREFIX + ".defaults", Bindable.ofInstance(connection));
            binder.bind(PersistentConnectionSettings.propertyPrefix(name), Bindable.ofInstance(connection));
            if (!connection.isEnabled()) {
                continue;
            }
            Duration deadline = deadline(name, connection.getDeadline(), environment);
            registry.registerBean(beanName(name), TaskTemplate.class, spec -> spec.lazyInit().supplier(context -> {
                PersistentConnection<?, TaskClient> engine = context.bean(PersistentConnections.class).get(name);
                return new TaskTemplate(name, engine, context.bean(TaskPayloadCodec.class), deadline,
                        context.beanProvider(ObservationRegistry.class).getIfAvailable(() -> ObservationRegistry.NOOP),
                        context.bean(TaskDeadlineTimer.class).executor());
            }));
        }
    }

    private static Duration deadline(String name, Duration deadline, Environment environment) {
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            String property = PersistentConnectionSettings.propertyPrefix(name) + ".deadline";
            if (environment.getProperty(property) == null) {
                property = PREFIX + ".defaults.deadline";
            }
            throw new InvalidPersistentConnectionPropertyException(property, deadline,
                    "the deadline must be positive",
                    "Set '" + property + "' to a positive duration, for example 5s.").withSourceFrom(environment);
        }
        return deadline;
    }

    /** The bean name of a connection's template: {@code <name>TaskTemplate}. */
    static String beanName(String connectionName) {
        return connectionName + "TaskTemplate";
    }
}
