package dev.persistentconnection.spring.autoconfigure.client;

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
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanRegistrar;
import org.springframework.beans.factory.BeanRegistry;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Registers a {@link TaskTemplate} bean named {@code <name>TaskTemplate} per enabled connection, lazily: a
 * template is built on first injection, so a connection of another type costs nothing. Its default deadline is
 * {@code persistent-connection.connections.<name>.deadline} (or {@code persistent-connection.defaults.deadline}).
 */
class TaskTemplateBeanRegistrar implements BeanRegistrar {

    private static final String PREFIX = "persistent-connection";

    /** The deadline of calls on a connection that configures none. */
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    @Override
    public void register(BeanRegistry registry, Environment environment) {
        PersistentConnectionProperties properties =
                Binder.get(environment).bindOrCreate(PREFIX, PersistentConnectionProperties.class);
        if (!properties.isEnabled()) {
            return;
        }
        PersistentConnectionProperties.Connection defaults = properties.getDefaults();
        Duration defaultDeadline = checked(PREFIX + ".defaults.deadline", defaults.getDeadline(), environment);
        for (Map.Entry<String, PersistentConnectionProperties.Connection> entry :
                properties.getConnections().entrySet()) {
            String name = entry.getKey();
            PersistentConnectionProperties.Connection connection = entry.getValue();
            Duration own = checked(
                    PersistentConnectionSettings.propertyPrefix(name) + ".deadline",
                    connection.getDeadline(),
                    environment);
            Boolean enabled = (connection.getEnabled() != null) ? connection.getEnabled() : defaults.getEnabled();
            if (Boolean.FALSE.equals(enabled)) {
                continue;
            }
            Duration deadline = (own != null) ? own : (defaultDeadline != null) ? defaultDeadline : DEFAULT_DEADLINE;
            registry.registerBean(
                    beanName(name),
                    TaskTemplate.class,
                    spec -> spec.lazyInit().supplier(context -> {
                        PersistentConnection<?, TaskClient> engine =
                                context.bean(PersistentConnections.class).get(name);
                        return new TaskTemplate(
                                name,
                                engine,
                                context.bean(TaskPayloadCodec.class),
                                deadline,
                                context.beanProvider(ObservationRegistry.class)
                                        .getIfAvailable(() -> ObservationRegistry.NOOP),
                                context.bean(TaskDeadlineTimer.class).executor());
                    }));
        }
    }

    private static @Nullable Duration checked(String property, @Nullable Duration deadline, Environment environment) {
        if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
            throw new InvalidPersistentConnectionPropertyException(
                            property,
                            deadline,
                            "the deadline must be positive",
                            "Set '" + property + "' to a positive duration, for example 5s.")
                    .withSourceFrom(environment);
        }
        return deadline;
    }

    /** The bean name of a connection's template: {@code <name>TaskTemplate}. */
    static String beanName(String connectionName) {
        return connectionName + "TaskTemplate";
    }
}
