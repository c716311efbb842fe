package dev.persistentconnection.spring.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.Environment;

/**
 * Thrown at startup when a {@code persistent-connection.*} property is invalid. Reported by
 * {@link InvalidPersistentConnectionPropertyFailureAnalyzer} with the property's name and the fix.
 */
public class InvalidPersistentConnectionPropertyException extends RuntimeException {

    private final String property;
    private final @Nullable Object value;
    private final String reason;
    private final String action;
    private final @Nullable String origin;

    public InvalidPersistentConnectionPropertyException(
            String property, @Nullable Object value, String reason, String action) {
        this(property, value, reason, action, null);
    }

    public InvalidPersistentConnectionPropertyException(
            String property, @Nullable Object value, String reason, String action, @Nullable String origin) {
        super("Invalid persistent connection property '" + property + "' (value: " + value + "): " + reason);
        this.property = property;
        this.value = value;
        this.reason = reason;
        this.action = action;
        this.origin = origin;
    }

    /** Where the value was set (for example a line of application.yml), or {@code null} when unknown. */
    public @Nullable String getOrigin() {
        return origin;
    }

    /** The full property name, e.g. {@code persistent-connection.connections.orders.jitter}. */
    public String getProperty() {
        return property;
    }

    /** The offending value (may be {@code null} when the property is missing). */
    public @Nullable Object getValue() {
        return value;
    }

    /** Why the value is invalid. */
    public String getReason() {
        return reason;
    }

    /** What to do about it. */
    public String getAction() {
        return action;
    }

    /** The value shown for a property whose value may be a secret. */
    static final String HIDDEN_VALUE = "(hidden)";

    /**
     * This exception with the value as the user wrote it and where it was written (for example a line of
     * application.yml), looked up in {@code environment}; itself when the property is not set there.
     */
    public InvalidPersistentConnectionPropertyException withSourceFrom(Environment environment) {
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty found = source.getConfigurationProperty(name);
            boolean element = false;
            if (found == null && name.isLastElementIndexed()) {
                found = source.getConfigurationProperty(name.getParent()); // a comma-separated list
                element = true;
            }
            if (found != null) {
                // A value that may be a secret (a WebSocket header) stays hidden; others are shown as written.
                Object written = (element || HIDDEN_VALUE.equals(value)) ? null : found.getValue();
                Origin where = found.getOrigin();
                return new InvalidPersistentConnectionPropertyException(
                        property,
                        written != null ? written : value,
                        reason,
                        action,
                        where != null ? where.toString() : null);
            }
        }
        return this;
    }
}
